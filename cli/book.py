"""`mmwatch book`: the book of a market at any moment, from the lake, with its spec §2 metrics and
its judgement against every obligation on the market (mmwatch/evidence/book.py)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from cli.collect import DATA_DIR_HELP
from mmwatch.errors import MmwatchError

FORMATS = ("table", "json", "png")


def book(
    exchange: str = typer.Option(..., "--exchange", help="ccxt exchange id, e.g. binance."),
    symbol: str = typer.Option(..., "--symbol", help="ccxt unified symbol, e.g. BTC/USDT or BTC/USDT:USDT."),
    at: str = typer.Option(..., "--at", help="UTC time, e.g. 2026-11-20T02:10:00 (or ms since 1970)."),
    market_type: Optional[str] = typer.Option(None, "--market-type", help="spot, swap or future (default: from the symbol)."),
    levels: Optional[int] = typer.Option(None, "--levels", min=1, help="Levels per side shown (default 20 in the table, all in JSON)."),
    output: str = typer.Option("table", "--format", help="table, json or png."),
    out: Optional[Path] = typer.Option(None, "--out", help="PNG file to write (default book-<exchange>-<ts>.png here)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
) -> None:
    """The last usable snapshot at or before --at, how old it was, its levels in base units, its spec §2
    metrics and its judgement against each obligation valid then.

    Exits 1 with one line when there is no book to show (market never collected, a time before any
    data, a time in a coverage gap), 2 on bad input.
    """
    from mmwatch.evidence.book import NoBook, book_at, market_of, parse_at
    from mmwatch.evidence.book_views import book_document, book_png, book_table
    from mmwatch.files import write_bytes_atomically
    from mmwatch.settings import DataDir

    if output not in FORMATS:
        _fail(f"--format {output!r} is not one of {', '.join(FORMATS)}")
    try:
        market = market_of(exchange, symbol, market_type)
        answer = book_at(DataDir.from_env(data_dir), market, parse_at(at))
    except NoBook as answer_line:
        typer.echo(str(answer_line))
        raise typer.Exit(1)
    except MmwatchError as error:
        _fail(str(error))
    if output == "json":
        typer.echo(json.dumps(book_document(answer, levels), indent=1))
    elif output == "png":
        target = out or Path(f"book-{exchange}-{answer.snapshot.ts}.png")
        write_bytes_atomically(target, book_png(answer))
        typer.echo(f"wrote {target} (snapshot {answer.snapshot.snapshot_id}, {answer.age_ms / 1000:g} s old at --at)")
    else:
        typer.echo(book_table(answer, 20 if levels is None else levels))


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Add book to the CLI."""
    app.command("book")(book)
