"""Where the MRM platform's alerts go: critical pages (PagerDuty), warnings go to Slack, SLO burn-rate alerts page
or file a ticket by their tier. Secrets stay out of the repository: PagerDuty's routing key and Slack's webhook
URL are files Alertmanager reads, the ticket queue's URL is filled in from the environment when publishing.

Labels routed on (alerts/*.py and the SLO compiler): every alert carries `severity` (critical, warning); SLO
burn-rate alerts also carry `sloth_severity` (page, ticket) and `sloth_id`, and come first because their
`severity` follows the tier.
"""
from mrm_observe import (Alertmanager, Env, InhibitRule, PagerDutyConfig, Receiver, Route, SlackConfig,
                         TimeInterval, TimePeriod, WebhookConfig)

SECRETS = "/etc/alertmanager/secrets"
TIMEZONE = "Europe/Berlin"
CHANNEL = "#mrm-alerts"

receivers = (
    # Alerts no route takes still reach a person; `mrm-observe lint` fails such an alert (check `unrouted`).
    Receiver(name="default", slack_configs=(SlackConfig(channel="#mrm-alerts-unrouted", send_resolved=True,
                                                        api_url_file=f"{SECRETS}/slack-api-url"),)),
    Receiver(name="page", pagerduty_configs=(PagerDutyConfig(routing_key_file=f"{SECRETS}/pagerduty-routing-key",
                                                             severity='{{ .CommonLabels.severity }}'),)),
    Receiver(name="slack", slack_configs=(SlackConfig(channel=CHANNEL, send_resolved=True,
                                                      api_url_file=f"{SECRETS}/slack-api-url"),)),
    # The ticket queue's intake (a webhook receiving Alertmanager's JSON); its URL carries the queue's token.
    Receiver(name="ticket", webhook_configs=(WebhookConfig(url=Env("MRM_TICKET_WEBHOOK_URL")),)),
)

time_intervals = (
    TimeInterval(name="business-hours", time_intervals=(
        TimePeriod(times=("09:00-17:00",), weekdays=("monday:friday",), location=TIMEZONE),)),
    # Planned maintenance (database upgrades, node rotation): warnings are expected and not worth a message.
    TimeInterval(name="maintenance", time_intervals=(
        TimePeriod(times=("02:00-04:00",), weekdays=("sunday",), location=TIMEZONE),)),
)

SLO_ROUTES = Route(
    matchers=('sloth_id=~".+"',), group_by=("sloth_id",), routes=(
        Route(matchers=('sloth_severity="page"',), receiver="page", repeat_interval="1h"),
        # Tickets are worked in business hours: a slow burn still going then is filed, one over by then is not.
        Route(matchers=('sloth_severity="ticket"',), receiver="ticket", active_time_intervals=("business-hours",)),
    ))

route = Route(
    receiver="default", group_by=("alertname", "service"), group_wait="30s", group_interval="5m",
    repeat_interval="4h", routes=(
        SLO_ROUTES,
        Route(matchers=('severity="critical"',), receiver="page", repeat_interval="1h"),
        Route(matchers=('severity="warning"',), receiver="slack", repeat_interval="12h",
              mute_time_intervals=("maintenance",)),
    ))

DATA_STORES_DOWN = 'alertname=~"PostgresDown|RedisDown|ClickHouseDown"'

inhibit_rules = (
    # An SLO's page already says its budget burns: its ticket adds nothing.
    InhibitRule(source_matchers=('sloth_severity="page"',), target_matchers=('sloth_severity="ticket"',),
                equal=("sloth_id",)),
    # Critical hides the warning of the same alert and service; `instance` too, so that a replica lagging
    # critically does not hide another replica's warning (the Postgres alerts carry instance, not service).
    InhibitRule(source_matchers=('severity="critical"',), target_matchers=('severity="warning"',),
                equal=("alertname", "service", "instance")),
    # A data store that is down explains its own symptoms on the same instance.
    InhibitRule(source_matchers=('alertname=~"PostgresDown|RedisDown"',),
                target_matchers=('alertname=~"Postgres(ConnectionsNearLimit|ReplicationLag|WalArchiving.*)'
                                 '|RedisMemoryNearLimit"',),
                equal=("instance",)),
    # The platform's cluster-level outages are its data stores being down: pods of the same namespace that depend
    # on them crash-loop as a consequence (PodCrashLooping carries namespace and pod, nothing finer to match on).
    InhibitRule(source_matchers=(DATA_STORES_DOWN,), target_matchers=('alertname="PodCrashLooping"',),
                equal=("namespace",)),
)

alertmanager = Alertmanager(route=route, receivers=receivers, time_intervals=time_intervals,
                            inhibit_rules=inhibit_rules)
