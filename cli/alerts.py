"""`mmwatch alerts list|test-channel|replay|evaluate`: the alert ledger and channels by hand."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from mmwatch.errors import MmwatchError

alerts_app = typer.Typer(help="Surveillance alerts (spec §6): ledger, channels, replay of a past day.",
                         no_args_is_help=True)

CONFIG_HELP = "Alerts config YAML (default $MMWATCH_ALERTS_CONFIG; none = spec defaults, no channels)."
DATA_HELP = "Data directory (default $MMWATCH_DATA_DIR or ./data)."


def _fail(error: Exception) -> None:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(2)


def _warehouse(data_dir: Optional[Path]) -> Path:
    from mmwatch.settings import DataDir

    return DataDir.from_env(data_dir).warehouse


def _check_day(day: str) -> None:
    from mmwatch.report import check_day

    check_day(day)


@alerts_app.command("list")
def list_alerts(
    status: str = typer.Option("open", "--status", help="open, closed or all."),
    day: Optional[str] = typer.Option(None, "--date", help="Only alerts opened on this UTC day (YYYY-MM-DD)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_HELP),
) -> None:
    """Print the ledger: one line per alert, newest first."""
    from mmwatch.alerts.ledger import LEDGER
    from mmwatch.duckdb_files import read_warehouse

    try:
        if status not in ("open", "closed", "all"):
            raise MmwatchError(f"--status {status!r} is not one of open, closed, all")
        if day:
            _check_day(day)
        warehouse = _warehouse(data_dir)
        if not warehouse.is_file():
            raise MmwatchError(f"warehouse {warehouse} does not exist: build the marts first, or pass --data-dir")
        where = ["true"] + ([f"status = '{status}'"] if status != "all" else []) + ([f"day = date '{day}'"] if day else [])
        with read_warehouse(warehouse) as con:
            con.execute("set TimeZone = 'UTC'")
            if not con.execute("select count(*) from information_schema.tables where table_schema = 'alerts'").fetchone()[0]:
                typer.echo("no alert ledger yet (no evaluation has run on this warehouse)")
                return
            rows = con.execute(f"select opened_at, closed_at, severity, status, delivery_pending, message from {LEDGER} "
                               f"where {' and '.join(where)} order by opened_at desc").fetchall()
    except MmwatchError as error:
        _fail(error)
    for opened, closed, severity, state, pending, message in rows:
        closed_text = closed.strftime("%H:%M") if closed else "open"
        typer.echo(f"{opened:%Y-%m-%d %H:%M} -> {closed_text:5} {severity:8} {'unsent ' if pending else ''}{message}")
    typer.echo(f"{len(rows)} alert(s)")


@alerts_app.command("test-channel")
def test_channel(
    name: str = typer.Argument(..., help="Channel name from the config's `channels`."),
    config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Send a test message through one channel (with the configured retries) and say whether it arrived."""
    from mmwatch.alerts.channels import send
    from mmwatch.alerts.config import load_alerts_config
    from mmwatch.alerts.delivery import with_retries

    try:
        loaded = load_alerts_config(config)
        if name not in loaded.channels:
            raise MmwatchError(f"no channel {name!r} in the alerts config (channels: {', '.join(loaded.channels) or 'none'})")
    except MmwatchError as error:
        _fail(error)
    text = f"[mmwatch] test message for channel {name!r}: if you read this, alerts reach you."
    document = {"event": "test", "subject": f"[mmwatch] test of channel {name}", "text": text}
    policy = loaded.delivery
    tries, error = with_retries(lambda: send(name, loaded.channels[name], document, policy.timeout_s),
                                policy.attempts, policy.backoff_s, policy.backoff_max_s)
    if error:
        _fail(MmwatchError(f"channel {name!r} did not take the test message after {tries} tries: {error}"))
    typer.echo(f"channel {name!r}: delivered ({tries} {'try' if tries == 1 else 'tries'})")


@alerts_app.command("replay")
def replay_day(
    date: str = typer.Option(..., "--date", help="UTC day to replay, YYYY-MM-DD."),
    config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_HELP),
) -> None:
    """Evaluate a past day minute by minute and print what would have fired and closed (sends nothing,
    leaves the ledger alone)."""
    from mmwatch.alerts.config import load_alerts_config
    from mmwatch.alerts.messages import subject
    from mmwatch.alerts.service import replay

    try:
        _check_day(date)
        evaluation, events = replay(_warehouse(data_dir), date, load_alerts_config(config))
    except MmwatchError as error:
        _fail(error)
    for note in evaluation.skipped_rules.items():
        typer.echo(f"skipped {note[0]}: {note[1]}")
    for event in events:
        line = subject(event.episode, "open", event.severity).replace("[mmwatch] FIRED ", "")
        typer.echo(f"{event.at:%H:%M}  {event.event:8} {line}  {event.episode.trigger_json() if event.event == 'FIRE' else ''}")
    still_open = sum(1 for e in evaluation.episodes if e.closed_at is None)
    as_of = f"{evaluation.as_of:%Y-%m-%d %H:%M} UTC" if evaluation.as_of else "no data"
    typer.echo(f"{len(evaluation.episodes)} alert(s) over {evaluation.markets} market(s), {still_open} still open "
               f"at {as_of}; nothing sent, ledger untouched")


@alerts_app.command("evaluate")
def evaluate(
    date: str = typer.Option(..., "--date", help="UTC day to evaluate, YYYY-MM-DD."),
    config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_HELP),
    send: bool = typer.Option(True, "--send/--no-send", help="Deliver pending notifications."),
) -> None:
    """One alert cycle by hand (what the Dagster sensor runs after each marts run): evaluate, record
    changes in the ledger, deliver."""
    from mmwatch.alerts.config import load_alerts_config
    from mmwatch.alerts.service import run_alert_cycle

    try:
        _check_day(date)
        cycle = run_alert_cycle(_warehouse(data_dir), date, load_alerts_config(config), deliver=send)
    except MmwatchError as error:
        _fail(error)
    for change in cycle.changes:
        typer.echo(f"{change.event:8} {change.severity:8} {change.alert_id} -> {', '.join(change.channels) or 'no channel'}"
                   f"{' (cool-down: not sent)' if change.suppressed else ''}")
    if cycle.delivery:
        typer.echo(f"delivered {cycle.delivery.sent}, still pending {cycle.delivery.failed}")
        for channel, error in cycle.delivery.failed_channels.items():
            typer.echo(f"  channel {channel!r} failed: {error}", err=True)
    typer.echo(f"{len(cycle.changes)} change(s) in {cycle.seconds:.2f} s")


def register(app: typer.Typer) -> None:
    """Add the `alerts` command group to the CLI."""
    app.add_typer(alerts_app, name="alerts")
