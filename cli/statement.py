"""`mmwatch statement --mm NAME --month YYYY-MM`: a market maker's month-end statement, the document
it and its client sign off: per obligation the days passed / failed / insufficient, the month
verdict, the coverage, every breach episode with its evidence pack, as CSV, HTML and PDF
(mmwatch/report/statement.py reads the marts, statement_files.py writes the files)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from cli.collect import DATA_DIR_HELP
from mmwatch.errors import MmwatchError


def statement(
    mm: str = typer.Option(..., "--mm", help="The market maker, as the obligations' mm_name."),
    month: str = typer.Option(..., "--month", help="UTC calendar month, YYYY-MM."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for the files (default <data dir>/statements)."),
    data_dir: Optional[Path] = typer.Option(None, help=DATA_DIR_HELP),
    chromium: Optional[str] = typer.Option(None, "--chromium", help="Chromium binary printing the PDF (default: "
                                           "chromium, chromium-browser, google-chrome on PATH)."),
    no_pdf: bool = typer.Option(False, "--no-pdf", help="Write the CSVs and the HTML only."),
) -> None:
    """Write statement-<mm>-<month>.csv (one row per obligation), -episodes.csv (one per breach episode),
    .html and .pdf from the marts (read-only); print one line per obligation and the files."""
    from mmwatch.report.chromium import find_chromium
    from mmwatch.report.statement import load_statement
    from mmwatch.report.statement_files import write_statement
    from mmwatch.settings import DataDir

    try:
        layout = DataDir.from_env(data_dir)
        binary = None if no_pdf else find_chromium(chromium)
        found = load_statement(layout.warehouse, mm, month)
        written = write_statement(found, (out or layout.root / "statements").expanduser().resolve(), layout.root,
                                  binary)
    except MmwatchError as error:
        typer.echo(f"error: {error}" + (" (or --no-pdf for the CSV and HTML only)" if "Chromium" in str(error)
                                        and not no_pdf else ""), err=True)
        raise typer.Exit(2)
    typer.echo(f"{found.mm_name}, {found.label}: {found.count('pass')} passed, {found.count('fail')} failed, "
               f"{found.count('insufficient_data')} insufficient data")
    for o in found.obligations:
        passed = "—" if o.days_passed_pct is None else f"{o.days_passed_pct:.1f} %"
        typer.echo(f"  {o.obligation_id} ({o.market}): {o.verdict}: {o.pass_days} passed, {o.fail_days} failed, "
                   f"{o.insufficient_data_days} insufficient ({passed} of judged days, required "
                   f"{o.min_days_pct:g} %), {o.breach_episodes} breach episodes"
                   + (f"; provisional: {len(missing)} days in force not built" if (missing := o.not_built(found.month_days))
                      else ""))
    for path in written:
        typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add `statement` to the CLI."""
    app.command("statement")(statement)
