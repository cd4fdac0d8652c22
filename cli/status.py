"""`mmwatch status`: one screen for the operator (rich tables) or one JSON document (--json); exit 1
when something is stale (a venue without a usable book past its no-data threshold, an open health
alert, a failed last run), so it can serve as a cron or monitoring probe. Reads only."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer

from cli.collect import DATA_DIR_HELP
from mmwatch.errors import MmwatchError


def _when(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _render(status) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(120, Console().width))
    venues = Table(title=f"venues (now {_when(status.now)} UTC)", title_justify="left")
    for column in ("venue", "markets", "last landing", "newest usable book", "lag s", "error rate %", "budget use %"):
        venues.add_column(column)
    for v in status.venues:
        rate = None if v.error_rate is None else v.error_rate * 100
        use = None if v.budget_use is None else v.budget_use * 100
        style = "red" if v.stale else None
        venues.add_row(v.exchange, str(v.markets), _when(v.last_landing), _when(v.newest_usable_book),
                       "-" if v.lag_s is None else f"{v.lag_s:.0f}", _pct(rate), _pct(use), style=style)
    runs = Table(title="last runs", title_justify="left")
    for column in ("kind", "status", "started", "ended", "run"):
        runs.add_column(column)
    for run in status.runs:
        runs.add_row(run.kind, run.status, _when(run.started), _when(run.ended), run.run_id[:8],
                     style="red" if run.status == "FAILURE" else None)
    alerts = Table(title="open alerts", title_justify="left")
    for column in ("ledger", "rule", "about", "severity", "since"):
        alerts.add_column(column)
    for alert in status.alerts:
        alerts.add_row(alert.ledger, alert.rule, alert.where, alert.severity, _when(alert.opened_at))
    coverage = Table(title=f"coverage {status.day}", title_justify="left")
    for column in ("obligation", "market maker", "market", "coverage %", "uptime %", "verdict"):
        coverage.add_column(column)
    for line in status.coverage:
        coverage.add_row(line.obligation_id, line.mm_name, line.market, _pct(line.coverage_pct), _pct(line.uptime_pct),
                         line.verdict)
    for table in (venues, runs, alerts, coverage):
        console.print(table)
    _render_quarantine(console, status.quarantine)
    for note in status.notes:
        console.print(f"note: {note}")
    for problem in status.problems:
        console.print(f"[red]STALE[/red] {problem}")
    if not status.problems:
        console.print("[green]OK[/green]: every configured venue lands usable books; no open health alert")


def _render_quarantine(console, view) -> None:
    """The files kept out of the lake: a count, then the newest with their reasons (docs/runbook.md#quarantine)."""
    from rich.table import Table

    if not view.files:
        console.print("quarantine: empty")
        return
    unreadable = f", {view.unreadable} unreadable" if view.unreadable else ""
    table = Table(title=f"quarantine: {view.files} files, {view.rows} rows{unreadable} in {view.folder} "
                        f"(docs/runbook.md#quarantine)", title_justify="left")
    for column in ("since", "file", "rows", "reason"):
        table.add_column(column, overflow="fold")
    for record in view.latest:
        table.add_row(record.at.replace("T", " ")[:19], record.file, "-" if record.rows is None else str(record.rows),
                      record.reason)
    console.print(table)


def status(data_dir: Optional[Path] = typer.Option(None, help=DATA_DIR_HELP),
           config: Optional[Path] = typer.Option(None, "--config", help="Collection config: the venues to watch "
                                                 "(default: $MMWATCH_CONFIG, else config/example.yaml)."),
           day: Optional[str] = typer.Option(None, "--day", help="Day of the coverage, YYYY-MM-DD (default: today, UTC)."),
           metrics_url: Optional[str] = typer.Option(None, help="The collector's endpoint (default: "
                                                     "$MMWATCH_COLLECTOR_METRICS_URL or http://127.0.0.1:9108)."),
           as_json: bool = typer.Option(False, "--json", help="One JSON document instead of the tables."),
           now: Optional[str] = typer.Option(None, "--now", hidden=True,
                                             help="Judge as of this UTC time (ISO), e.g. a past incident.")) -> None:
    """The operator's view: per venue the last landing, lag, error rate and budget use; the last raw,
    marts, alerts, publish and report runs; open alerts; the day's coverage per obligation; the
    landing files in quarantine. Exit 1 when something is stale."""
    from mmwatch.alerts.config import load_alerts_config
    from mmwatch.config import CONFIG_ENV, DEFAULT_CONFIG, load_config
    from mmwatch.days import check_day
    from mmwatch.settings import DataDir
    from mmwatch.status import gather, metrics_url_from

    try:
        moment = datetime.fromisoformat(now).astimezone(timezone.utc) if now else datetime.now(timezone.utc)
        the_day = check_day(day) if day else moment.date().isoformat()
        collection = load_config(config or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)
        folder = DataDir.from_env(data_dir)
        result = gather(folder, collection, load_alerts_config(), moment, the_day,
                        metrics_url or metrics_url_from(os.environ))
    except (MmwatchError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2)
    if folder.root.is_dir():
        from pipelines.run_history import last_runs

        runs = last_runs(folder)
        if runs is None:
            result.notes.append("no Dagster instance yet: no run to show")
        else:
            result.runs = runs
            result.problems += [f"the last {r.kind} run {r.run_id[:8]} failed" for r in runs if r.status == "FAILURE"]
    if as_json:
        typer.echo(json.dumps(result.document(), indent=2))
    else:
        _render(result)
    raise typer.Exit(1 if result.stale else 0)


def register(app: typer.Typer) -> None:
    """Add `status` to the CLI."""
    app.command("status")(status)
