"""The landing zone's pulse: per market the newest *usable* order book (spec §1: not invalid; a
fetch-error file never counts), the fetch errors, and per venue the newest file of any kind.

Read by the heartbeat (mmwatch.alerts.heartbeat), `mmwatch status` and the collector's metrics
(which apply `newest_usable_books` to the frames it lands), so "usable" has one meaning for all three.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl
import pyarrow.parquet as pq

from mmwatch.lake.raw_rules import orderbook_validity
from mmwatch.landing.zone import LandingFile

MarketKey = tuple[str, str]  # exchange, symbol
BOOK_COLUMNS = ["exchange", "market_type", "symbol", "received_ts", "bids", "asks"]
ERROR_COLUMNS = ["exchange", "symbol", "dataset", "received_ts", "error_class", "message"]
_NO_ERRORS = pl.DataFrame(schema={"exchange": pl.Utf8, "symbol": pl.Utf8, "dataset": pl.Utf8,
                                  "received_ts": pl.Int64, "error_class": pl.Utf8, "message": pl.Utf8})


def newest_usable_books(frame: pl.DataFrame) -> dict[tuple[str, str, str], int]:
    """(exchange, market_type, symbol) -> newest received_ts of its usable books in `frame` (landing rows)."""
    if frame.is_empty():
        return {}
    usable = frame.with_columns(orderbook_validity()).filter(pl.col("invalid_reason").is_null())
    newest = usable.group_by("exchange", "market_type", "symbol").agg(pl.col("received_ts").max())
    return {(e, t, s): int(ts) for e, t, s, ts in newest.iter_rows()}


@dataclass
class LandingPulse:
    """What a set of landing files says: newest usable book per market (ms), the fetch errors (a
    frame of ERROR_COLUMNS), per venue the newest arrival (ns) and the newest row received of any
    book or fetch error (ms: proof the collector still reaches it), rows per (data set, venue)."""

    books: dict[MarketKey, int] = field(default_factory=dict)
    errors: pl.DataFrame = field(default_factory=lambda: _NO_ERRORS)
    landed_ns: dict[str, int] = field(default_factory=dict)
    received_ms: dict[str, int] = field(default_factory=dict)
    rows: dict[tuple[str, str], int] = field(default_factory=dict)


def read_pulse(files: Iterable[LandingFile], read_rows: bool = True) -> LandingPulse:
    """The pulse of `files` (order books and fetch errors are read; every file counts as a landing).
    `read_rows` False: only the newest arrivals and row counts (Parquet footers), nothing decoded."""
    pulse = LandingPulse()
    books, errors = [], []
    for file in files:
        pulse.landed_ns[file.exchange] = max(file.arrival_ns, pulse.landed_ns.get(file.exchange, 0))
        try:
            count = pq.ParquetFile(file.path).metadata.num_rows
            if read_rows and file.dataset == "orderbooks":
                books.append(pl.read_parquet(file.path, columns=BOOK_COLUMNS))
            elif read_rows and file.dataset == "fetch_errors":
                errors.append(pl.read_parquet(file.path, columns=ERROR_COLUMNS))
        except FileNotFoundError:  # removed by retention between the listing and the read
            continue
        key = (file.dataset, file.exchange)
        pulse.rows[key] = pulse.rows.get(key, 0) + count
    if books:
        frame = pl.concat(books, how="vertical_relaxed")
        for (exchange, _, symbol), ms in newest_usable_books(frame).items():
            pulse.books[(exchange, symbol)] = max(ms, pulse.books.get((exchange, symbol), ms))
        _newest_rows(pulse, frame)
    if errors:
        pulse.errors = pl.concat(errors, how="vertical_relaxed").sort("received_ts")
        _newest_rows(pulse, pulse.errors)
    return pulse


def _newest_rows(pulse: LandingPulse, frame: pl.DataFrame) -> None:
    for exchange, ms in frame.group_by("exchange").agg(pl.col("received_ts").max()).iter_rows():
        pulse.received_ms[exchange] = max(int(ms), pulse.received_ms.get(exchange, 0))
