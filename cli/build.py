"""`mmwatch build`: one day through Dagster (raw, marts, report)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from mmwatch.errors import MmwatchError

_VERDICT_WIDTHS = (20, 14, 22, 18, 9, 10)


def _fail(error: Exception) -> None:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(2)


def _disk_full_or(error: Exception, day: str, data_dir: Optional[Path]) -> Exception:
    """`error`, or what a full disk did to the build (where, how much room, what was kept)."""
    from mmwatch.disk_full import DiskFull, build_disk_full, is_disk_full, nearly_full
    from mmwatch.settings import DataDir

    layout = DataDir.from_env(data_dir)
    # a failure that does not say so (SQLite's "disk I/O error") counts when the file system is nearly full;
    # a message of ours about the input (no landing data, a bad obligation) never does
    failed_write = not isinstance(error, MmwatchError) or str(error).startswith("the Dagster run")
    if isinstance(error, DiskFull) or not (is_disk_full(error) or (failed_write and nearly_full(layout.root))):
        return error
    return build_disk_full(layout, day, error)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _print_verdicts(rows) -> None:
    header = ("market maker", "exchange", "market", "verdict", "uptime %", "coverage %")
    typer.echo("  ".join(h.ljust(w) for h, w in zip(header, _VERDICT_WIDTHS)))
    for r in rows:
        cells = (r.mm_name, r.exchange, f"{r.symbol} ({r.market_type})", r.verdict, _pct(r.uptime_pct), _pct(r.coverage_pct))
        typer.echo("  ".join(str(c).ljust(w) for c, w in zip(cells, _VERDICT_WIDTHS)))
    if not rows:
        typer.echo("(no obligation in force on this day)")


def build(
    date: str = typer.Option(..., "--date", help="UTC day to build, YYYY-MM-DD."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Data directory (default $MMWATCH_DATA_DIR or ./data)."),
    obligations: Optional[Path] = typer.Option(
        None, "--obligations", help="Obligations CSV replacing the dbt seed (default $MMWATCH_OBLIGATIONS_CSV, "
        "else <data dir>/obligations.csv when it exists, else dbt/seeds/mm_obligations.csv); checked first, "
        "like `mmwatch obligations check`."),
    no_wait: bool = typer.Option(
        False, "--no-wait", help="Another build of this data directory at work: refuse at once (exit 2, naming it) "
        "instead of queueing behind it."),
) -> None:
    """Rebuild one day: raw lake partitions with landing files, dbt marts, HTML report (runs recorded in Dagster).

    Prints one line per stage; dbt's per-model output is in the run's dbt.log (named on failure).
    Builds of one data directory run one at a time: a second one waits for the first (saying which
    build it waits for), or refuses with --no-wait; readers (report, status) wait while it writes."""
    from cli.progress import Stages

    try:
        from mmwatch.days import check_buildable_day
        from mmwatch.obligations import load_obligations, obligations_source
        from mmwatch.report.no_data import no_data_warnings
        from mmwatch.settings import DataDir
        from pipelines.daily_build import run_daily_build

        check_buildable_day(date)  # a bad date in one line, before anything else is printed
        # every problem of the obligations file, before any Dagster run starts (the dbt asset checks it again)
        checked = load_obligations(obligations_source(obligations, DataDir.from_env(data_dir).root))
        typer.echo(f"obligations: {checked.summary()}")
        result = run_daily_build(date, data_dir, obligations, progress=Stages(typer.echo, total=2),
                                 wait=not no_wait, on_wait=lambda line: typer.echo(line, err=True))
    except MmwatchError as error:
        _fail(_disk_full_or(error, date, data_dir))
    except Exception as error:  # Dagster's SQLite storage, DuckDB, the file system: a full disk is said in words
        told = _disk_full_or(error, date, data_dir)
        if told is error:
            raise
        _fail(told)
    typer.echo(f"built {result.day} for {', '.join(result.exchanges)}")
    _print_verdicts(result.rows)
    typer.echo(f"report:    {result.report}")
    typer.echo(f"warehouse: {result.warehouse}")
    for warning in no_data_warnings(result.warehouse, result.rows):
        typer.echo(f"warning: {warning}")


def register(app: typer.Typer) -> None:
    """Add build to the CLI (`report` lives in cli/report.py)."""
    app.command("build")(build)
