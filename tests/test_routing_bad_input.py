"""Every mistake in an Alertmanager definition: a message naming file, object and field and what would be right;
exit 1; nothing written; and never the secret that was given."""
import pytest
from click.testing import CliRunner

from conftest import write_tree
from mrm_observe.cli import main

HEAD = "from mrm_observe import *\n"
RECEIVERS = ('(Receiver(name="default"), Receiver(name="page", pagerduty_configs=(PagerDutyConfig('
             'routing_key_file="/run/secrets/pd"),)))')
SLACK_HOOK = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX"
PD_KEY = "0123456789abcdef0123456789abcdef"


def config(route: str = 'Route(receiver="default")', receivers: str = RECEIVERS, **extra: str) -> str:
    parts = [f"route={route}", f"receivers={receivers}", *(f"{k}={v}" for k, v in extra.items())]
    return HEAD + f"alertmanager = Alertmanager({', '.join(parts)})\n"


def routes(*children: str, root: str = 'receiver="default"') -> str:
    return f"Route({root}, routes=({', '.join(children)},))"


def receivers(*extra: str) -> str:
    return f'(Receiver(name="default"), {", ".join(extra)},)'


def interval(**fields: str) -> str:
    period = ", ".join(f"{k}={v}" for k, v in fields.items())
    return f'(TimeInterval(name="hours", time_intervals=(TimePeriod({period}),)),)'


F = "alertmanager/routing.py"
CASES = [
    pytest.param(config(routes('Route(matchers=(\'severity="critical"\',), receiver="pager")')),
                 [f"{F}: route.routes[0]: receiver: unknown receiver 'pager' (defined: 'default', 'page')"],
                 id="unknown receiver"),
    pytest.param(config('Route()'), [f"{F}: route: receiver: the root route needs a receiver"], id="root without receiver"),
    pytest.param(config('Route(receiver="default", matchers=("a=b",))'),
                 [f"{F}: route: matchers: the root route takes every alert and cannot have matchers"],
                 id="root with matchers"),
    pytest.param(config(routes('Route(matchers=("severity",), receiver="page")')),
                 [f"{F}: route.routes[0]: matchers[0]: 'severity' is not a matcher: write name=\"value\""],
                 id="matcher without an operator"),
    pytest.param(config(routes('Route(matchers=(\'service=~"api("\',), receiver="page")')),
                 [f"{F}: route.routes[0]: matchers[0]: 'service=~\"api(\"' is not a valid regular expression"],
                 id="matcher with a bad regex"),
    pytest.param(config(routes('Route(matchers=(\'service=~"(?!api)"\',), receiver="page")')),
                 [f"{F}: route.routes[0]: matchers[0]: 'service=~\"(?!api)\"' uses regex syntax Alertmanager's RE2 "
                  "does not have"], id="matcher with look-ahead, which RE2 lacks"),
    pytest.param(config(routes('Route(receiver="page", group_wait="30 seconds")')),
                 [f"{F}: route.routes[0]: group_wait: invalid duration '30 seconds'"], id="bad duration"),
    pytest.param(config(routes('Route(receiver="page", repeat_interval="0s")')),
                 [f"{F}: route.routes[0]: repeat_interval: must be longer than 0 (got '0s')"], id="zero repeat interval"),
    pytest.param(config(routes('Route(receiver="page", group_by=("alertname", "..."))')),
                 [f"{F}: route.routes[0]: group_by: '...' (group by every label) must stand alone"],
                 id="group by all mixed with names"),
    pytest.param(config(routes('Route(receiver="page")', 'Route(matchers=("severity=warning",), receiver="default")')),
                 [f"{F}: route.routes[1]: unreachable: route.routes[0] before it has no matchers and no `continue`"],
                 id="route after a catch-all sibling"),
    pytest.param(config(routes('Route(matchers=("severity=critical",), receiver="page", routes=('
                               'Route(matchers=(\'severity=~"warning|info"\',)),))')),
                 [f"{F}: route.routes[0].routes[0]: matchers[0]: severity=~\"warning|info\" can never match: this "
                  "route or one above it already requires severity=\"critical\""], id="route contradicting its parent"),
    pytest.param(config(routes('Route(matchers=("a=b",), receiver="page", mute_time_intervals=("weekends",))')),
                 [f"{F}: route.routes[0]: mute_time_intervals: unknown time interval 'weekends' (defined: none)"],
                 id="unknown time interval"),
    pytest.param(config(time_intervals=interval(times='("9:00-17:00",)')),
                 [f"{F}: time interval 'hours': time_intervals[0].times[0]: '9:00-17:00' is not a time range: write "
                  "'HH:MM-HH:MM'"], id="time without a leading zero"),
    pytest.param(config(time_intervals=interval(times='("22:00-06:00",)')),
                 [f"{F}: time interval 'hours': time_intervals[0].times[0]: '22:00-06:00' starts at or after its end"],
                 id="time range across midnight"),
    pytest.param(config(time_intervals=interval(weekdays='("friday:monday",)')),
                 [f"{F}: time interval 'hours': time_intervals[0].weekdays[0]: 'friday:monday' starts after it ends"],
                 id="weekday range backwards"),
    pytest.param(config(time_intervals=interval(weekdays='("moonday",)')),
                 [f"{F}: time interval 'hours': time_intervals[0].weekdays[0]: 'moonday' is not a weekday"],
                 id="unknown weekday"),
    pytest.param(config(time_intervals=interval(days_of_month='("0:5",)')),
                 [f"{F}: time interval 'hours': time_intervals[0].days_of_month[0]: 0 is not a day of the month"],
                 id="day of month zero"),
    pytest.param(config(time_intervals=interval(months='("march:january",)')),
                 [f"{F}: time interval 'hours': time_intervals[0].months[0]: 'march:january' ends before it starts"],
                 id="month range backwards"),
    pytest.param(config(time_intervals=interval(location='"Europe/Atlantis"')),
                 [f"{F}: time interval 'hours': time_intervals[0].location: unknown time zone 'Europe/Atlantis'"],
                 id="unknown time zone"),
    pytest.param(config(inhibit_rules='(InhibitRule(source_matchers=(), target_matchers=("a=b",)),)'),
                 [f"{F}: inhibit_rules[0]: source_matchers: must not be empty"], id="inhibit rule without source"),
    pytest.param(config(receivers=receivers('Receiver(name="default")')),
                 [f"{F}: receiver 'default': name: another receiver has this name"], id="duplicate receiver"),
    pytest.param(config(receivers=receivers('Receiver(name="s", slack_configs=(SlackConfig(channel="#a"),))')),
                 [f"{F}: receiver 's': slack_configs[0].api_url: give api_url_file"], id="slack without a webhook"),
    pytest.param(config(receivers=receivers('Receiver(name="p", pagerduty_configs=(PagerDutyConfig(),))')),
                 [f"{F}: receiver 'p': pagerduty_configs[0].routing_key: give exactly one of routing_key_file"],
                 id="pagerduty without a key"),
    pytest.param(config(receivers=receivers('Receiver(name="e", email_configs=(EmailConfig(to="a@example.org"),))')),
                 [f"{F}: receiver 'e': email_configs[0].smarthost: set smarthost", f"{F}: receiver 'e': "
                  "email_configs[0].from: set from here or smtp_from in global"], id="email without a server"),
    pytest.param(config(receivers=receivers('Receiver(name="w", webhook_configs=(WebhookConfig(url=Env("1X")),))')),
                 [f"{F}: receiver 'w': webhook_configs[0].url: Env('1X') is not an environment variable name"],
                 id="bad environment variable name"),
    pytest.param(config(), [], id="a valid config (control)"),
]


@pytest.mark.parametrize("module, messages", CASES)
def test_a_bad_alertmanager_definition_is_reported_with_file_object_and_field(tmp_path, monkeypatch, module,
                                                                             messages):
    write_tree(tmp_path, {F: module})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    if not messages:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1, result.output
    for message in messages:
        assert f"error: {message}" in result.stderr
    assert "nothing was written" in result.stderr
    assert not (tmp_path / "build").exists()


SECRETS = [
    pytest.param(f'Receiver(name="s", slack_configs=(SlackConfig(channel="#a", api_url="{SLACK_HOOK}"),))',
                 "receiver 's': slack_configs[0].api_url: is a secret, and a literal value would be written into the "
                 "build (value not shown): give api_url_file='/path'", id="literal Slack webhook"),
    pytest.param(f'Receiver(name="p", pagerduty_configs=(PagerDutyConfig(routing_key="{PD_KEY}"),))',
                 "receiver 'p': pagerduty_configs[0].routing_key: is a secret", id="literal PagerDuty key"),
    pytest.param(f'Receiver(name="g", opsgenie_configs=(OpsGenieConfig(api_key="{PD_KEY}"),))',
                 "receiver 'g': opsgenie_configs[0].api_key: is a secret", id="literal OpsGenie key"),
    pytest.param(f'Receiver(name="w", webhook_configs=(WebhookConfig(url="https://tickets.example.org/{PD_KEY}"),))',
                 "receiver 'w': webhook_configs[0].url: is a secret, and a literal value would be written into the "
                 "build (value not shown): give url=Env('NAME') (filled in from the environment when publishing; "
                 "Alertmanager 0.25 has no url_file)", id="literal webhook URL"),
    pytest.param(f'Receiver(name="e", email_configs=(EmailConfig(to="a@example.org", from_="b@example.org", '
                 f'smarthost="smtp:25", auth_username="u", auth_password="{PD_KEY}"),))',
                 "receiver 'e': email_configs[0].auth_password: is a secret", id="literal SMTP password"),
    pytest.param(f'Receiver(name="w", webhook_configs=(WebhookConfig(url=Env("URL"), http_config=HTTPConfig('
                 f'authorization=Authorization(credentials="{PD_KEY}"))),))',
                 "receiver 'w': webhook_configs[0].http_config.authorization.credentials: is a secret",
                 id="literal bearer token"),
    pytest.param(f'Receiver(name="s", slack_configs=(SlackConfig(channel="#a", api_url_file="/s", '
                 f'text="post to {SLACK_HOOK} too"),))',
                 "receiver 's': slack_configs[0].text: holds a Slack webhook URL: a secret must not be written into a "
                 "definition", id="a Slack webhook URL in a text field"),
    pytest.param(f'Receiver(name="s", slack_configs=(SlackConfig(channel="#a", api_url_file="/s", '
                 f'api_url=Env("S")),))',
                 "receiver 's': slack_configs[0].api_url: give api_url or api_url_file, not both",
                 id="a secret given twice"),
    pytest.param(f'Receiver(name="s", slack_configs=(SlackConfig(channel=1, api_url="{SLACK_HOOK}"),))',
                 "SlackConfig: channel: Input should be a valid string (got 1)", id="a wrong type beside a secret"),
    pytest.param(f'Receiver(name="s", slack_configs=(SlackConfig(channel="#a", api_url=["{SLACK_HOOK}"]),))',
                 "SlackConfig: api_url.str: Input should be a valid string (got '<secret>')",
                 id="a secret of the wrong type"),
    pytest.param(f'Receiver(name="s", slack_configs=[{{"api_url": "{SLACK_HOOK}"}}])',
                 "Receiver: slack_configs.0.channel: Field required (got {'api_url': '<secret>'})",
                 id="a field missing beside a secret"),
    pytest.param(f'Receiver(name="s", webhook_configs=(SlackConfig(channel="#a", api_url="{SLACK_HOOK}"),))',
                 "Receiver: webhook_configs.0: Input should be a valid dictionary or instance of WebhookConfig "
                 "(got '<SlackConfig>')", id="a config of the wrong kind holding a secret"),
]


@pytest.mark.parametrize("receiver, message", SECRETS)
def test_a_literal_secret_stops_the_build_and_is_never_repeated(tmp_path, monkeypatch, receiver, message):
    write_tree(tmp_path, {F: config(receivers=receivers(receiver))})
    monkeypatch.chdir(tmp_path)
    for command in (["build"], ["lint"], ["routes", "--json"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1, result.output
        assert message in result.stderr
        assert SLACK_HOOK not in result.output and PD_KEY not in result.output
        assert "hooks.slack.com" not in result.output
    assert not (tmp_path / "build").exists()


def test_lint_fails_a_secret_in_a_rules_labels_or_annotations_without_repeating_it(tmp_path, monkeypatch):
    write_tree(tmp_path, {"alerts/a.py": f'''
        from mrm_observe import AlertRule, RuleGroup
        groups = [RuleGroup(name="g", rules=(AlertRule(
            alert="Down", expr="up == 0", for_="1m", severity="critical", summary="s", description="d",
            runbook_url="https://runbooks.example.org/down?token=abcdef123456",
            annotations={{"chat": "{SLACK_HOOK}"}}, waive={{"untested": "example"}}),))]
    '''})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["lint"])
    assert result.exit_code == 1
    assert sorted(line for line in result.stderr.splitlines() if line.endswith("[secret]")) == [
        "lint: alerts/a.py: group 'g', alert 'Down': annotations.chat: holds a Slack webhook URL: a secret must not "
        "be written into a definition (it would enter the build): link to where it is kept instead [secret]",
        "lint: alerts/a.py: group 'g', alert 'Down': annotations.runbook_url: holds a URL with a credential in its "
        "query: a secret must not be written into a definition (it would enter the build): link to where it is kept "
        "instead [secret]"]
    assert SLACK_HOOK not in result.output and "abcdef123456" not in result.output


def test_amtool_refusing_the_config_fails_check_with_its_message(tmp_path, monkeypatch):
    """What validation leaves to Alertmanager (here an OpsGenie responder type it does not know) is caught by
    `amtool check-config` in `check`."""
    write_tree(tmp_path, {F: config(receivers=receivers(
        'Receiver(name="g", opsgenie_configs=(OpsGenieConfig(api_key_file="/k", responders=(OpsGenieResponder('
        'type="bogus", name="x"),)),))'))})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "FAIL amtool check-config build/alertmanager/alertmanager.yml" in result.output
    assert "bogus" in result.stderr
