"""`mmwatch config check`: the whole environment validated before a deployment starts — every settings
file parses, every secret a file names is set, the SMTP server and the PostgreSQL databases answer,
and what each `auto` automation will do — with one line per finding that says what is missing and
what to do. Nothing is written and nothing is sent."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from mmwatch.errors import ConfigError, MmwatchError
from mmwatch.settings import DATA_DIR_ENV, DataDir

OK, FAIL, OFF = "ok", "FAIL", "off"  # off: a feature left unconfigured on purpose (said, not a failure)
_AUTO_WORDS = {"serving": "publishing to PostgreSQL", "report": "the daily report email",
               "market_data": "the data-set schedules"}


@dataclass(frozen=True)
class Finding:
    state: str  # ok | FAIL | off
    what: str
    detail: str

    def line(self) -> str:
        return f"{self.state:<4}  {self.what}: {self.detail}"


def _first_lines(error: Exception, lines: int = 6) -> str:
    text = str(error).strip().splitlines()
    return " | ".join(text[:lines]) + (f" | ... ({len(text) - lines} more)" if len(text) > lines else "")


def _data_dir(env: Mapping[str, str]) -> Finding:
    root = DataDir.from_env(env.get(DATA_DIR_ENV) or None).root
    existing = next(p for p in (root, *root.parents) if p.exists())
    if os.access(existing, os.W_OK):
        return Finding(OK, "data directory", f"{root} ({'exists' if existing == root else 'will be created'})")
    return Finding(FAIL, "data directory", f"{root}: {existing} is not writable; set {DATA_DIR_ENV} to a writable folder")


def _streaming(config) -> str:
    """'; streaming: binance (sampled every 1000 ms), ...' for the venues in `mode: stream`, else ''."""
    streamed = [f"{name} (sampled every {venue.sample_every_ms} ms)" for name, venue in config.exchanges.items()
                if venue.streams]
    return f"; streaming: {', '.join(streamed)}" if streamed else ""


def _collection(env: Mapping[str, str]) -> tuple[list[Finding], object]:
    from mmwatch.config import CONFIG_ENV, DEFAULT_CONFIG, load_config

    path = env.get(CONFIG_ENV) or str(DEFAULT_CONFIG)
    try:
        config = load_config(path)
    except MmwatchError as error:
        return [Finding(FAIL, "collection config", _first_lines(error))], None
    findings = [Finding(OK, "collection config", f"{path}: {len(config.exchanges)} venues, "
                        f"{sum(len(v.markets) for v in config.exchanges.values())} markets" + _streaming(config))]
    for exchange, venue in config.exchanges.items():
        if venue.credentials:
            names = [n for n in (venue.credentials.api_key_env, venue.credentials.secret_env,
                                 venue.credentials.password_env) if n]
            missing = [n for n in names if not env.get(n)]
            if missing:
                findings.append(Finding(FAIL, f"credentials of {exchange}", f"{', '.join(missing)} not set "
                                        f"(named by {path}); set them in .env or remove the credentials block"))
    return findings, config


def _alerts(env: Mapping[str, str]) -> tuple[list[Finding], bool]:
    """Findings, and whether an email channel needs SMTP."""
    from mmwatch.alerts.config import EmailChannel, load_alerts_config

    path = env.get("MMWATCH_ALERTS_CONFIG")
    if not path:
        return [Finding(FAIL, "alerts config", "MMWATCH_ALERTS_CONFIG is not set: nobody gets an alert; point it at "
                        "a copy of config/alerts.yaml with your channels")], False
    try:
        config = load_alerts_config(path)
    except MmwatchError as error:
        return [Finding(FAIL, "alerts config", _first_lines(error))], False
    findings = [Finding(OK, "alerts config", f"{path}: {len(config.channels)} channels, {len(config.routes)} routes")]
    for name, channel in config.channels.items():
        fields = channel.model_dump()
        needed = [v for k, v in fields.items() if k.endswith("_env") and isinstance(v, str)]
        needed += list(fields.get("headers_env", {}).values())
        missing = [variable for variable in needed if not env.get(variable)]
        if missing:
            findings.append(Finding(FAIL, f"alerts channel {name}", f"{', '.join(missing)} not set (named by {path}); "
                                    "set it in .env, or remove the channel"))
    for route, rules in (("data", ("no_data", "run_failure")), ("market", ("wide_spread",))):
        unrouted = [rule for rule in rules if not config.channels_for(rule, route, "critical")]
        if unrouted:
            findings.append(Finding(FAIL, f"alerts route {route}", f"no route sends {', '.join(unrouted)} anywhere: "
                                    f"add one to {path} (e.g. {{route: {route}, channels: [...]}})"))
    email = any(isinstance(c, EmailChannel) for c in config.channels.values())
    return findings, email


def _report(env: Mapping[str, str]) -> tuple[list[Finding], bool]:
    from mmwatch.report.groups import load_groups

    path = env.get("MMWATCH_REPORT_GROUPS")
    if not path:
        return [Finding(OFF, "report groups", "MMWATCH_REPORT_GROUPS is not set: no report email "
                        "(copy config/report_groups.example.yaml and point it there)")], False
    try:
        groups = load_groups(path, dict(env))
    except MmwatchError as error:
        return [Finding(FAIL, "report groups", _first_lines(error))], False
    recipients = sum(len(g.recipients) for g in groups.groups)
    if not recipients:
        return [Finding(FAIL, "report groups", f"{path}: no group has a recipient: nobody gets the report")], False
    return [Finding(OK, "report groups", f"{path}: {len(groups.groups)} groups, {recipients} recipients")], True


def _obligations(env: Mapping[str, str]) -> Finding:
    from mmwatch.obligations import DATA_DIR_FILE, SEED_CSV, load_obligations

    in_data_dir = DataDir.from_env(env.get(DATA_DIR_ENV) or None).root / DATA_DIR_FILE
    path = env.get("MMWATCH_OBLIGATIONS_CSV") or str(in_data_dir if in_data_dir.is_file() else SEED_CSV)
    try:
        return Finding(OK, "obligations", load_obligations(path).summary())
    except MmwatchError as error:
        return Finding(FAIL, "obligations", _first_lines(error))


def _smtp(env: Mapping[str, str], needed_by: list[str]) -> Finding:
    from mmwatch.mail import SmtpSettings, check_server

    if not needed_by:
        return Finding(OFF, "SMTP", "not used (no email channel, no report recipient)")
    try:
        settings = SmtpSettings.from_env(dict(env))
        check_server(settings)
    except MmwatchError as error:
        return Finding(FAIL, "SMTP", f"{error} (needed by {', '.join(needed_by)})")
    return Finding(OK, "SMTP", f"{settings.describe()} answers (for {', '.join(needed_by)})")


def _postgres(what: str, dsn: str, hint: str) -> Finding:
    import psycopg

    try:
        with psycopg.connect(dsn, connect_timeout=5) as connection:
            connection.execute("select 1")
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return Finding(FAIL, what, f"cannot connect: {reason}; {hint}")
    host = dsn.split("@")[-1] if "@" in dsn else dsn.split(" ")[0]
    return Finding(OK, what, f"answers ({host})")


def _databases(env: Mapping[str, str]) -> list[Finding]:
    findings = []
    dsn = env.get("MMWATCH_ANALYTICS_DSN")
    if dsn:
        from mmwatch.serving.postgres import check_dsn

        try:
            check_dsn(dsn)
        except ConfigError as error:
            findings.append(Finding(FAIL, "PostgreSQL analytics", str(error)))
        else:
            findings.append(_postgres("PostgreSQL analytics", dsn, "check MMWATCH_ANALYTICS_DSN and that PostgreSQL is up"))
    else:
        findings.append(Finding(OFF, "PostgreSQL analytics", "MMWATCH_ANALYTICS_DSN is not set: nothing is published"))
    if env.get("DAGSTER_PG_HOST"):
        missing = [n for n in ("DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB") if not env.get(n)]
        if missing:
            findings.append(Finding(FAIL, "PostgreSQL Dagster storage", f"{', '.join(missing)} not set"))
        else:
            from psycopg.conninfo import make_conninfo

            dsn = make_conninfo(host=env["DAGSTER_PG_HOST"], port=env.get("DAGSTER_PG_PORT") or "5432",
                                user=env["DAGSTER_PG_USER"], password=env["DAGSTER_PG_PASSWORD"], dbname=env["DAGSTER_PG_DB"])
            findings.append(_postgres("PostgreSQL Dagster storage", dsn, "check DAGSTER_PG_* and that PostgreSQL is up"))
    return findings


def _automation(env: Mapping[str, str]) -> list[Finding]:
    from mmwatch.automation import AUTO_NEEDS, load_automation_defaults

    try:
        defaults = load_automation_defaults(env.get("MMWATCH_AUTOMATION_CONFIG") or None)
    except MmwatchError as error:
        return [Finding(FAIL, "automation config", _first_lines(error))]
    resolved = defaults.resolved(env)
    findings = [Finding(OK, "automation config", defaults.source)]
    for section in ("automation", "schedules"):
        for name, state in getattr(defaults, section).model_dump().items():
            if state != "auto":
                continue
            now = getattr(resolved, section).model_dump()[name]
            needs = ", ".join(AUTO_NEEDS.get(name, ()))
            detail = f"{_AUTO_WORDS.get(name, name)}: {'runs' if now == 'running' else 'stays off'} ({needs} " \
                     f"{'set' if now == 'running' else 'not set'})"
            findings.append(Finding(OK if now == "running" else OFF, f"automation {name}", detail))
    return findings


def check_environment(environ: Mapping[str, str] | None = None) -> list[Finding]:
    """Every finding about `environ` (default os.environ), in the order a deployment needs them."""
    env = dict(os.environ if environ is None else environ)
    findings = [_data_dir(env)]
    collection, _ = _collection(env)
    alerts, email_channels = _alerts(env)
    report, recipients = _report(env)
    findings += collection + [_obligations(env)] + alerts + report
    needed_by = [n for n, needed in (("email alert channels", email_channels), ("the report", recipients)) if needed]
    findings.append(_smtp(env, needed_by))
    findings += _databases(env) + _automation(env)
    return findings


def problems(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.state == FAIL]

