"""`mmwatch report`: render a day's compliance report per recipient group and optionally send it."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from mmwatch.errors import MmwatchError


def report(
    date: str = typer.Option(..., "--date", help="UTC day, YYYY-MM-DD."),
    group: Optional[str] = typer.Option(None, "--group", help="Only this group of the groups file."),
    send: bool = typer.Option(False, "--send", help="Send each group's email (once: the ledger skips groups already sent)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Render and say what would be sent; send nothing."),
    force: bool = typer.Option(False, "--force", help="Send even when the ledger says the report was sent."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for <date>/<group>/ (default <data dir>/reports)."),
    groups_file: Optional[Path] = typer.Option(None, "--groups", help="Groups YAML (default $MMWATCH_REPORT_GROUPS, else config/report_groups.yaml)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Data directory (default $MMWATCH_DATA_DIR or ./data)."),
) -> None:
    """Render .html, .txt, .csv, .pdf and .eml per group from the marts (read-only), and send with --send.

    Exits 2 with a message on bad input, for a day never built (naming the build command) or when a
    send failed (the files are written either way).
    """
    from mmwatch.mail import SmtpSettings
    from mmwatch.report.compliance import check_day, render_compliance_report
    from mmwatch.report.delivery import FAILED, run_reports
    from mmwatch.report.groups import load_groups
    from mmwatch.report.ledger import LEDGER_FILE, ReportLedger
    from mmwatch.settings import DataDir

    if dry_run and (send or force):
        _fail("--dry-run sends nothing: leave out --send/--force, or drop --dry-run")
    try:
        check_day(date)
        layout = DataDir.from_env(data_dir)  # nothing created before the day is known to be built
        groups = load_groups(groups_file).select(group)
        settings = SmtpSettings.from_env() if send or force else None
        # the plain per-day page the compliance_report asset also writes (a day never built stops here)
        page = render_compliance_report(layout.warehouse, date)
        layout.reports.mkdir(parents=True, exist_ok=True)
        (layout.reports / f"compliance-{date}.html").write_text(page, encoding="utf-8")
        outcomes = run_reports(layout.warehouse, date, groups, out or layout.reports, ReportLedger(layout.reports / LEDGER_FILE),
                               send=send, dry_run=dry_run, force=force, settings=settings,
                               progress=typer.echo)
    except MmwatchError as error:
        _fail(str(error))
    for outcome in outcomes:
        for warning in outcome.warnings:
            typer.echo(f"warning: {warning}", err=True)
    failed = [o for o in outcomes if o.status == FAILED]
    if failed:
        _fail("; ".join(f"group {o.group}: {o.detail}" for o in failed))


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Add report to the CLI."""
    app.command("report")(report)
