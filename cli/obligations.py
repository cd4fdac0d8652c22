"""`mmwatch obligations list | add | end | check | templates`: the market makers' obligations kept as
contracts (mmwatch/obligations/contracts.py): add validates with the loader every build uses, end
sets valid_to and never deletes, so each day is judged by the terms valid that day.

The file is $MMWATCH_OBLIGATIONS_CSV, else <data dir>/obligations.csv (--file names another);
`list` and `check` without a file read what the builds read (the dbt seed when neither exists)."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Optional

import typer

from cli.collect import DATA_DIR_HELP
from mmwatch.errors import MmwatchError

obligations_app = typer.Typer(help="Market-maker obligations (spec §3), kept as contracts.", no_args_is_help=True)

FILE_HELP = "Obligations CSV (default $MMWATCH_OBLIGATIONS_CSV, else <data dir>/obligations.csv)."
# the option of `add` that fills each column (messages name both)
OPTIONS = {
    "obligation_id": "--id", "mm_name": "--mm", "exchange": "--exchange", "symbol": "--symbol",
    "market_type": "--market-type", "valid_from": "--from", "valid_to": "--to", "max_spread_bps": "--max-spread-bps",
    "depth_band_bps": "--depth-band-bps", "min_depth_usd": "--min-depth-usd", "min_uptime_pct": "--min-uptime-pct",
    "min_coverage_pct": "--min-coverage-pct", "min_days_pct": "--min-days-pct", "alert_after_s": "--alert-after-s",
}


def _fail(error: MmwatchError) -> None:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(2)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        typer.echo(f"error: {option} {text!r} is not a day: write it as YYYY-MM-DD, e.g. 2025-01-31", err=True)
        raise typer.Exit(2)


def _edited(file: Optional[Path], data_dir: Optional[Path]) -> Path:
    from mmwatch.obligations import editable_file
    from mmwatch.settings import DataDir

    return file.expanduser().resolve() if file else editable_file(DataDir.from_env(data_dir).root)


@obligations_app.command("check")
def check(file: Optional[Path] = typer.Argument(None, help="Obligations CSV (default: the file the builds read)."),
          data_dir: Optional[Path] = typer.Option(None, help=DATA_DIR_HELP)) -> None:
    """Print every problem of FILE, one line each (FILE:LINE: column COL: value 'V': ...), and exit 2;
    or one OK line (obligations, markets, market makers) and exit 0."""
    from mmwatch.obligations import ObligationsError, load_obligations, obligations_source
    from mmwatch.settings import DataDir

    file = file or obligations_source(None, DataDir.from_env(data_dir).root)
    try:
        loaded = load_obligations(file)
    except ObligationsError as error:
        for problem in error.problems:
            typer.echo(str(problem))
        typer.echo(f"{len(error.problems)} problem{'s' if len(error.problems) != 1 else ''} in {file}", err=True)
        raise typer.Exit(2)
    except MmwatchError as error:
        _fail(error)
    typer.echo(loaded.summary())


@obligations_app.command("list")
def list_(file: Optional[Path] = typer.Option(None, "--file", help="Obligations CSV (default: the file the builds "
                                              "read: $MMWATCH_OBLIGATIONS_CSV, <data dir>/obligations.csv, the seed)."),
          data_dir: Optional[Path] = typer.Option(None, help=DATA_DIR_HELP),
          mm: Optional[str] = typer.Option(None, "--mm", help="Only this market maker's obligations."),
          on: Optional[str] = typer.Option(None, "--on", help="Status on this UTC day, YYYY-MM-DD (default today)."),
          as_json: bool = typer.Option(False, "--json", help="One JSON document instead of the table.")) -> None:
    """Every obligation of the file, ended ones too (the history of terms), with its status on a day:
    in force, ended, not yet."""
    from mmwatch.days import utc_today
    from mmwatch.obligations import load_obligations, obligations_source
    from mmwatch.obligations.contracts import status_on
    from mmwatch.settings import DataDir

    day = _day(on, "--on") if on else utc_today()
    path = file.expanduser().resolve() if file else obligations_source(None, DataDir.from_env(data_dir).root)
    try:
        obligations = [o for o in load_obligations(path).obligations if mm is None or o.mm_name == mm]
    except MmwatchError as error:
        _fail(error)
    if as_json:
        typer.echo(json.dumps({"file": str(path), "day": day.isoformat(), "obligations": [
            {**o.model_dump(mode="json"), "status": status_on(o, day)} for o in obligations]}, indent=2))
        return
    _table(path, day, obligations, status_on)


def _table(path: Path, day: date, obligations: list, status_on) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{path} (status on {day.isoformat()})", title_justify="left")
    table.add_column("id", no_wrap=True)
    for column in ("market maker", "market", "valid", "spread ≤ bps", "depth ≥ USD a side", "uptime ≥ %",
                   "coverage ≥ %", "days ≥ %", "status"):
        table.add_column(column)
    for o in obligations:
        status = status_on(o, day)
        table.add_row(o.obligation_id, o.mm_name, f"{o.exchange} {o.symbol} ({o.market_type})", o.validity,
                      f"{o.max_spread_bps:g}", f"{o.min_depth_usd:,.0f} within {o.depth_band_bps:g} bps",
                      f"{o.min_uptime_pct:g}", f"{o.min_coverage_pct:g}", f"{o.min_days_pct:g}", status,
                      style=None if status == "in force" else "dim")
    Console(width=max(140, Console().width)).print(table)
    if not obligations:
        typer.echo("(no obligation)")


@obligations_app.command("add")
def add(obligation_id: Optional[str] = typer.Option(None, "--id", help="obligation_id, unique in the file."),
        mm: Optional[str] = typer.Option(None, "--mm", help="mm_name: the market maker."),
        exchange: Optional[str] = typer.Option(None, "--exchange", help="ccxt id of the venue, e.g. bybit."),
        symbol: Optional[str] = typer.Option(None, "--symbol", help="ccxt unified symbol, e.g. BTC/USDT."),
        market_type: Optional[str] = typer.Option(None, "--market-type", help="spot, swap or future "
                                                  "(default: from the symbol's shape)."),
        valid_from: Optional[str] = typer.Option(None, "--from", help="valid_from, first day in force (YYYY-MM-DD)."),
        valid_to: Optional[str] = typer.Option(None, "--to", help="valid_to, first day no longer in force "
                                               "(default: open-ended)."),
        max_spread_bps: Optional[str] = typer.Option(None, "--max-spread-bps"),
        depth_band_bps: Optional[str] = typer.Option(None, "--depth-band-bps", help="Band around the mid, bps "
                                                     "(2 % = 200)."),
        min_depth_usd: Optional[str] = typer.Option(None, "--min-depth-usd", help="Depth each side must hold."),
        min_uptime_pct: Optional[str] = typer.Option(None, "--min-uptime-pct"),
        min_coverage_pct: Optional[str] = typer.Option(None, "--min-coverage-pct", help="Default 90."),
        min_days_pct: Optional[str] = typer.Option(None, "--min-days-pct", help="Default 75."),
        alert_after_s: Optional[str] = typer.Option(None, "--alert-after-s", help="Default 300."),
        template_name: Optional[str] = typer.Option(None, "--template", help="Terms of a common contract "
                                                    "(`mmwatch obligations templates`); options override them."),
        file: Optional[Path] = typer.Option(None, "--file", help=FILE_HELP),
        data_dir: Optional[Path] = typer.Option(None, help=DATA_DIR_HELP)) -> None:
    """Add an obligation, checked like every build checks the file; refused (file untouched) for an id
    already used or terms of the same market maker on the same market that overlap in time."""
    from mmwatch.obligations.contracts import add_obligation, new_cells
    from mmwatch.obligations.templates import template

    given = {"obligation_id": obligation_id, "mm_name": mm, "exchange": exchange, "symbol": symbol,
             "market_type": market_type, "valid_from": valid_from, "valid_to": valid_to,
             "max_spread_bps": max_spread_bps, "depth_band_bps": depth_band_bps, "min_depth_usd": min_depth_usd,
             "min_uptime_pct": min_uptime_pct, "min_coverage_pct": min_coverage_pct, "min_days_pct": min_days_pct,
             "alert_after_s": alert_after_s}
    from mmwatch.obligations import obligations_source
    from mmwatch.settings import DataDir

    path = _edited(file, data_dir)
    created = not path.exists()
    try:
        change = add_obligation(path, new_cells(given, template_name))
        notes = template(template_name).notes if template_name else ()
    except MmwatchError as error:
        _fail(_with_options(error))
    read_by_builds = path == obligations_source(None, DataDir.from_env(data_dir).root)
    o = change.obligation
    typer.echo(f"added {o.obligation_id}: {o.mm_name}, {o.exchange} {o.symbol} ({o.market_type}), valid {o.validity}, "
               f"spread <= {o.max_spread_bps:g} bps, depth >= {o.min_depth_usd:,.0f} USD a side within "
               f"{o.depth_band_bps:g} bps, uptime >= {o.min_uptime_pct:g} %, days >= {o.min_days_pct:g} % to {path}")
    if created and read_by_builds:
        typer.echo(f"note: {path} is new; the builds read it from now on instead of the dbt seed")
    for note in notes:
        typer.echo(f"note: {note}")


def _with_options(error: MmwatchError) -> MmwatchError:
    """The loader's 'new obligation: column C:' lines name the option too."""
    text = str(error)
    for column, option in OPTIONS.items():
        text = text.replace(f"new obligation: column {column}:", f"new obligation: column {column} ({option}):")
    return MmwatchError(text)


@obligations_app.command("end")
def end(obligation_id: str = typer.Argument(..., help="The obligation to end."),
        on: str = typer.Option(..., "--on", help="First UTC day its terms no longer apply (valid_to, YYYY-MM-DD)."),
        file: Optional[Path] = typer.Option(None, "--file", help=FILE_HELP),
        data_dir: Optional[Path] = typer.Option(None, help=DATA_DIR_HELP)) -> None:
    """End an obligation: valid_to set to --on, the row kept (days before --on stay judged by it)."""
    from mmwatch.days import utc_today
    from mmwatch.obligations.contracts import end_obligation

    day = _day(on, "--on")
    path = _edited(file, data_dir)
    try:
        change = end_obligation(path, obligation_id, day)
    except MmwatchError as error:
        _fail(error)
    typer.echo(f"ended {obligation_id}: valid {change.before.validity} -> {change.obligation.validity} in {path}")
    if day <= utc_today():
        typer.echo(f"note: days from {day.isoformat()} already built keep {obligation_id}'s verdict until built again "
                   f"(mmwatch build --date DAY)")


@obligations_app.command("templates")
def templates() -> None:
    """The templates of `add --template`: the terms each fills and how its clauses map onto spec §3."""
    from mmwatch.obligations.templates import TEMPLATES

    for t in TEMPLATES.values():
        typer.echo(f"{t.name}: {t.what}")
        typer.echo("  " + ", ".join(f"{OPTIONS[c]} {v}" for c, v in t.terms.items()))
        for note in t.notes:
            typer.echo(f"  - {note}")


def register(app: typer.Typer) -> None:
    """Add the `obligations` command group to the CLI."""
    app.add_typer(obligations_app, name="obligations")
