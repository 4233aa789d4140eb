"""Data stores: PostgreSQL (primary + replicas, WAL archiving, backups), Redis and ClickHouse.

The recovery point objective is 15 minutes: replication lag and WAL archiving alerts page well before
a failover or a point-in-time restore would lose more than that.
"""
from mrm_observe import RuleGroup

from ._runbooks import alert

RPO_SECONDS = 15 * 60
REPLICATION_LAG_WARNING = 5 * 60  # a third of the RPO
REPLICATION_LAG_CRITICAL = 10 * 60  # two thirds of the RPO, leaving time to act
WAL_ARCHIVE_AGE = 10 * 60  # + for 5m = the RPO
BACKUP_MAX_AGE = 26 * 3600  # daily backup plus two hours of slack
CONNECTIONS_RATIO = 0.8
REDIS_MEMORY_RATIO = 0.9

LAG_SUMMARY = "A PostgreSQL replica lags behind the primary."
LAG_DESCRIPTION = ("Replica {{ $labels.instance }} replays WAL {{ $value | humanizeDuration }} behind the primary "
                   "(RPO 15m).")

groups = [
    RuleGroup(name="mrm-postgres", rules=(
        alert(
            "PostgresDown",
            "pg_up == 0",
            for_="1m", severity="critical",
            summary="postgres_exporter cannot reach PostgreSQL.",
            description="PostgreSQL on {{ $labels.instance }} has not answered the exporter for 1 minute.",
        ),
        alert(
            "PostgresConnectionsNearLimit",
            "sum by (instance) (pg_stat_activity_count)\n"
            "/\n"
            "max by (instance) (pg_settings_max_connections)\n"
            f"> {CONNECTIONS_RATIO}",
            for_="10m", severity="warning",
            summary="PostgreSQL uses more than 80% of max_connections.",
            description="{{ $labels.instance }} uses {{ $value | humanizePercentage }} of max_connections.",
        ),
        alert(
            "PostgresReplicationLag",
            f"max by (instance) (pg_replication_lag_seconds) > {REPLICATION_LAG_WARNING}",
            for_="5m", severity="warning", summary=LAG_SUMMARY, description=LAG_DESCRIPTION,
        ),
        alert(
            "PostgresReplicationLag",
            f"max by (instance) (pg_replication_lag_seconds) > {REPLICATION_LAG_CRITICAL}",
            for_="2m", severity="critical", summary=LAG_SUMMARY, description=LAG_DESCRIPTION,
        ),
        # Replicas do not archive (archive_mode=on), so their archive age grows forever: primary only.
        alert(
            "PostgresWalArchivingStale",
            f"pg_stat_archiver_last_archive_age > {WAL_ARCHIVE_AGE}\n"
            "and on (instance)\n"
            "pg_replication_is_replica == 0",
            for_="5m", severity="critical",
            summary="The PostgreSQL primary has not archived WAL for 15 minutes.",
            description="The last WAL segment archived by {{ $labels.instance }} is "
                        "{{ $value | humanizeDuration }} old: point-in-time recovery would lose more than the "
                        "15 minute RPO.",
        ),
        alert(
            "PostgresWalArchivingFailing",
            "increase(pg_stat_archiver_failed_count[10m]) > 0",
            for_="5m", severity="warning",
            summary="PostgreSQL's archive_command keeps failing.",
            description="archive_command failed {{ $value | humanize }} times in the last 10 minutes on "
                        "{{ $labels.instance }}.",
        ),
        alert(
            "BackupStale",
            f"time() - max by (job) (backup_last_success_timestamp_seconds) > {BACKUP_MAX_AGE}",
            for_="15m", severity="critical",
            summary="No successful database backup for more than 26 hours.",
            description="The last successful backup of {{ $labels.job }} finished "
                        "{{ $value | humanizeDuration }} ago (expected daily).",
        ),
    )),
    RuleGroup(name="mrm-cache-analytics", rules=(
        # maxmemory 0 means "no limit": filter it out rather than divide by zero (+Inf).
        alert(
            "RedisMemoryNearLimit",
            "redis_memory_used_bytes / (redis_memory_max_bytes > 0) > " + str(REDIS_MEMORY_RATIO),
            for_="10m", severity="warning",
            summary="Redis uses more than 90% of maxmemory.",
            description="Redis {{ $labels.instance }} uses {{ $value | humanizePercentage }} of maxmemory: "
                        "at the limit it evicts keys or rejects writes (Bull jobs live here).",
        ),
        alert(
            "RedisDown",
            "redis_up == 0",
            for_="2m", severity="critical",
            summary="redis_exporter cannot reach Redis.",
            description="Redis on {{ $labels.instance }} has not answered the exporter for 2 minutes.",
        ),
        # Down, or gone from service discovery altogether (absent() keeps only the job label).
        alert(
            "ClickHouseDown",
            'up{job="clickhouse"} == 0 or absent(up{job="clickhouse"})',
            for_="2m", severity="critical",
            summary="ClickHouse cannot be scraped.",
            description='ClickHouse {{ with $labels.instance }}{{ . }}{{ else }}(no target){{ end }} '
                        "has been unreachable for 2 minutes: analytics queries and reports fail.",
        ),
    )),
]
