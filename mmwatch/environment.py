"""Every environment variable mmwatch reads, who reads it and what it is for: the one registry that
docker-compose.yml and .env.example are checked against (tests/deploy/test_compose_env.py) and that
`mmwatch config check` reports on.

`services` are the docker-compose services whose processes read the variable: `dagster-code` runs
the assets, sensors and runs; `collector` is `mmwatch collect`; `provision` the Metabase set-up.
Variables named by a config file rather than by the code (an alert channel's `webhook_url_env`, a
venue's `credentials`) are listed as the repository's configs name them.
"""
from __future__ import annotations

from dataclasses import dataclass

DAGSTER = ("dagster-code", "dagster-webserver", "dagster-daemon")
PRODUCT = (*DAGSTER, "collector", "provision")  # every service running the mmwatch image
CODE = ("dagster-code",)


@dataclass(frozen=True)
class Setting:
    """One environment variable: `required` ones have no default (compose refuses to start without
    them); `secret` ones never get a value in .env.example; `internal` ones mmwatch sets itself for a
    child process (dbt), never the operator."""

    name: str
    services: tuple[str, ...]
    what: str
    secret: bool = False
    required: bool = False
    internal: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("MMWATCH_DATA_DIR", PRODUCT, "the data directory (landing, lake, warehouse, reports, health ledger)"),
    Setting("DAGSTER_HOME", DAGSTER, "the Dagster instance directory (dagster.yaml: storage in PostgreSQL)"),
    Setting("DAGSTER_PG_HOST", DAGSTER, "PostgreSQL host of the Dagster storage"),
    Setting("DAGSTER_PG_PORT", DAGSTER, "PostgreSQL port of the Dagster storage"),
    Setting("DAGSTER_PG_USER", DAGSTER, "PostgreSQL user of the Dagster storage", required=True),
    Setting("DAGSTER_PG_PASSWORD", DAGSTER, "PostgreSQL password of the Dagster storage", secret=True, required=True),
    Setting("DAGSTER_PG_DB", DAGSTER, "PostgreSQL database of the Dagster storage"),
    Setting("MMWATCH_CONFIG", PRODUCT, "the collection config: venues and markets collected and watched by the "
            "heartbeat, cadences (data-set schedules, freshness policies)"),
    Setting("MMWATCH_AUTOMATION_CONFIG", CODE, "which automations run by default (config/automation*.yaml)"),
    Setting("MMWATCH_ALERTS_CONFIG", PRODUCT, "alert rules, channels and routes (config/alerts.yaml)"),
    Setting("MMWATCH_OBLIGATIONS_CSV", PRODUCT, "the market makers' obligations (spec §3), a file outside the image"),
    Setting("MMWATCH_REPORT_GROUPS", PRODUCT, "who receives the daily report (config/report_groups.example.yaml)"),
    Setting("MMWATCH_REPORT_CRON", CODE, "when the daily report goes out (overrides the groups file's cron)"),
    Setting("MMWATCH_SMTP_HOST", PRODUCT, "SMTP server of the report and the email alert channels"),
    Setting("MMWATCH_SMTP_PORT", PRODUCT, "SMTP port (default 25, 465 with tls)"),
    Setting("MMWATCH_SMTP_SECURITY", PRODUCT, "none, starttls or tls"),
    Setting("MMWATCH_SMTP_USER", PRODUCT, "SMTP login (none: no login)"),
    Setting("MMWATCH_SMTP_PASSWORD", PRODUCT, "SMTP password", secret=True),
    Setting("MMWATCH_SMTP_FROM", PRODUCT, "sender address of the report and the alerts"),
    Setting("MMWATCH_SMTP_TIMEOUT_S", PRODUCT, "seconds before an SMTP server counts as unreachable"),
    Setting("MMWATCH_SLACK_WEBHOOK_URL", PRODUCT, "Slack incoming webhook (channel ops-slack of config/alerts.yaml)",
            secret=True),
    Setting("MMWATCH_TELEGRAM_BOT_TOKEN", PRODUCT, "Telegram bot token (channel data-telegram of config/alerts.yaml)",
            secret=True),
    Setting("MMWATCH_ALERT_WEBHOOK_URL", PRODUCT, "JSON webhook URL (channel pager of config/alerts.yaml)", secret=True),
    Setting("MMWATCH_ALERT_WEBHOOK_AUTH", PRODUCT, "Authorization header of that webhook", secret=True),
    Setting("MMWATCH_ANALYTICS_DSN", PRODUCT, "PostgreSQL database `analytics` the marts are published into",
            secret=True, required=True),
    Setting("MMWATCH_METABASE_READER_PASSWORD", (*CODE, "provision"), "password of the read-only role "
            "metabase_reader (created by publishing, used by Metabase)", secret=True, required=True),
    Setting("MMWATCH_COLLECTOR_METRICS_URL", PRODUCT, "the collector's /metrics and /health (mmwatch status)"),
    Setting("MMWATCH_DOOR_EARLIEST", PRODUCT, "oldest day a row may carry (the door; default 2013-01-01)"),
    Setting("MMWATCH_DOOR_FUTURE_SKEW_S", PRODUCT, "how far in the future a row may be stamped (the door)"),
    Setting("MMWATCH_LANDING_RETENTION_DAYS", CODE, "days a landing file is kept once the lake holds every one of "
            "its rows (landing_retention; default 7; docs/operations.md)"),
    Setting("MMWATCH_RUN_WORKERS", CODE, "how the code server starts each run: forkserver (default: forked from a "
            "process with the code location loaded) or spawn (Dagster's fresh interpreter; pipelines/run_workers.py)"),
    Setting("MMWATCH_METABASE_ADMIN_EMAIL", ("provision",), "the first Metabase administrator", required=True),
    Setting("MMWATCH_METABASE_ADMIN_PASSWORD", ("provision",), "its password", secret=True, required=True),
    Setting("MMWATCH_METABASE_API_KEY", ("provision",), "a Metabase API key instead of the admin login", secret=True),
    Setting("MMWATCH_METABASE_SYNC_WAIT_S", ("provision",), "how long provisioning waits for Metabase's schema sync"),
    Setting("MMWATCH_ANALYTICS_HOST", ("provision",), "PostgreSQL host Metabase connects to"),
    Setting("MMWATCH_ANALYTICS_PORT", ("provision",), "PostgreSQL port Metabase connects to"),
    Setting("MMWATCH_ANALYTICS_DB", ("provision",), "the database Metabase reads (analytics)"),
    Setting("MMWATCH_ANALYTICS_USER", ("provision",), "the role Metabase reads as (metabase_reader)"),
    Setting("MMWATCH_DBT_DAY", (), "the day a dbt invocation builds (set by mmwatch for dbt)", internal=True),
    Setting("MMWATCH_DBT_APPEND", (), "1: the dbt invocation appends to today (set by mmwatch)", internal=True),
    Setting("ARROW_DEFAULT_MEMORY_POOL", (), "Arrow's allocator for capture imports (set by mmwatch)", internal=True),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}
