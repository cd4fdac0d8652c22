"""`mmwatch book`: the book of a market at any moment, from the lake, with the numbers the marts
judged it by.

The answer is the last usable snapshot (spec §1) with ts <= T, how old it was at T, its levels in
base units, its spec §2 metrics (fct_orderbook_snapshot_metrics) and, for every obligation on the
market valid on T's day, the snapshot's judgement (int_obligation_snapshots_evaluated). Instead of
a book, one line (NoBook) when the market was never collected, T is before its first usable
snapshot, or T is in a coverage gap.

Coverage gap: the last usable snapshot before T is more than 5 minutes old. That is spec §6's
"no data" (no usable snapshot of a configured market for 5 minutes: a data alert, never an MM
breach); a book that old is not the book at T.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from mmwatch.days import utc_day_of_ms
from mmwatch.errors import MmwatchError
from mmwatch.evidence import lake_books, warehouse
from mmwatch.evidence.lake_books import LakeSnapshot, Market
from mmwatch.obligations.model import symbol_shape
from mmwatch.settings import DataDir
from mmwatch.venues import MARKET_TYPES, VENUES

NO_DATA_AFTER_MS = 5 * 60_000  # spec §6, rule "no data"


class NoBook(MmwatchError):
    """One line instead of a book (the CLI prints it and exits 1)."""


def parse_at(text: str) -> int:
    """T in ms since the epoch from ISO 8601 (UTC when no offset is given: 2026-11-20T02:10,
    2026-11-20 02:10:00.500, ...Z, +02:00) or integer milliseconds."""
    value = text.strip()
    if re.fullmatch(r"\d{12,14}", value):
        return int(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MmwatchError(f"--at {text!r} is not a time: write it as YYYY-MM-DDTHH:MM[:SS[.fff]] (UTC unless an "
                           "offset is given, e.g. 2026-11-20T02:10:00Z) or as milliseconds since 1970") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(round(moment.timestamp() * 1000))


def shown_time(ms: int | None) -> str:
    """ms as 'YYYY-MM-DD HH:MM:SS.fff' UTC."""
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def shown_age(ms: int) -> str:
    seconds = ms / 1000
    if seconds < 600:
        return f"{seconds:.3f}".rstrip("0").rstrip(".") + " s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def market_of(exchange: str, symbol: str, market_type: str | None) -> Market:
    """The market named on the command line (market type from the symbol's shape when not given)."""
    if exchange not in VENUES:
        raise MmwatchError(f"--exchange {exchange} is not a venue mmwatch collects: use one of {', '.join(VENUES)}")
    kind = market_type or symbol_shape(symbol)
    if kind is None:
        raise MmwatchError(f"--symbol {symbol!r} is not a ccxt unified symbol: write BTC/USDT (spot), BTC/USDT:USDT (swap) or "
                     "BTC/USDT:USDT-251226 (future)")
    if kind not in MARKET_TYPES:
        raise MmwatchError(f"--market-type {kind!r} is not one of {', '.join(MARKET_TYPES)}")
    return Market(exchange, kind, symbol)


@dataclass
class Judgement:
    """One obligation valid at T and how the snapshot fared against it (None: not judged)."""

    terms: dict
    evaluation: dict | None


@dataclass
class BookAnswer:
    market: Market
    at_ms: int
    snapshot: LakeSnapshot
    data_dir: Path
    metrics: dict | None = None
    judgements: list[Judgement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def age_ms(self) -> int:
        return self.at_ms - self.snapshot.ts

    def source(self) -> str:
        """The lake file (relative to the data directory) and row of the snapshot."""
        file = self.snapshot.file
        shown = file.relative_to(self.data_dir) if file.is_relative_to(self.data_dir) else file
        return f"{shown} row {self.snapshot.row}"


def _no_book(layout: DataDir, market: Market, at_ms: int) -> NoBook:
    """The one line for a T with no usable snapshot at or before it."""
    if not lake_books.ever_collected(layout, market):
        others = [m.symbol + ("" if m.market_type == market.market_type else f" ({m.market_type})")
                  for m in lake_books.collected_markets(layout, market.exchange)]
        where = f"; {market.exchange} has {', '.join(others)}" if others else f"; nothing of {market.exchange} at all"
        return NoBook(f"{market} was never collected: no snapshot of it in {layout.lake / lake_books.TABLE}{where}")
    first = lake_books.first_usable_after(layout, market, at_ms)
    if first is None:
        return NoBook(f"{market} has no usable snapshot at all (only invalid ones, spec §1): nothing to show at "
                      f"{shown_time(at_ms)} UTC")
    return NoBook(f"{shown_time(at_ms)} UTC is before any data of {market}: its first usable snapshot is at "
                  f"{shown_time(first.ts)} UTC")


def book_at(layout: DataDir, market: Market, at_ms: int) -> BookAnswer:
    """The book of `market` at `at_ms`, or NoBook with the one-line reason."""
    ref = lake_books.last_usable_at(layout, market, at_ms)
    if ref is None:
        raise _no_book(layout, market, at_ms)
    if at_ms - ref.ts > NO_DATA_AFTER_MS:
        following = lake_books.first_usable_after(layout, market, at_ms)
        resumes = (f"data resumes at {shown_time(following.ts)} UTC" if following else "no usable snapshot after it yet")
        raise NoBook(f"{shown_time(at_ms)} UTC is in a coverage gap of {market}: its last usable snapshot before is at "
                     f"{shown_time(ref.ts)} UTC ({shown_age(at_ms - ref.ts)} earlier, over spec §6's 5 minutes of no "
                     f"data), {resumes}")
    [snapshot] = lake_books.read_snapshots([ref])
    answer = BookAnswer(market, at_ms, snapshot, layout.root)
    _add_marts(answer, layout.warehouse)
    return answer


def _add_marts(answer: BookAnswer, warehouse_path: Path) -> None:
    """The snapshot's metrics and judgements from the marts; a note saying why when they are missing."""
    snapshot, market = answer.snapshot, answer.market
    day = utc_day_of_ms(snapshot.ts)
    at_day = utc_day_of_ms(answer.at_ms)
    try:
        with warehouse.warehouse_connection(warehouse_path) as con:
            answer.metrics = warehouse.snapshot_metrics(con, [snapshot.snapshot_id]).get(snapshot.snapshot_id)
            terms = warehouse.obligations_valid_on(con, market.exchange, market.market_type, market.symbol, at_day)
            judged = warehouse.evaluations(con, [snapshot.snapshot_id], [t["obligation_id"] for t in terms])
    except MmwatchError as error:
        answer.notes.append(f"spec §2 metrics and obligations not shown: {error}")
        return
    answer.judgements = [Judgement(t, judged.get((t["obligation_id"], snapshot.snapshot_id))) for t in terms]
    if answer.metrics is None:
        answer.notes.append(f"spec §2 metrics not in the warehouse: day {day} is not built (run `mmwatch build "
                            f"--date {day}`)")
    if not terms:
        answer.notes.append(f"no obligation on {market} is valid on {at_day} (dim_obligations of the last build)")
