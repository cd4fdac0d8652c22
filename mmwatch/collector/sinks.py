"""Where collected rows go: the landing zone (per minute) or a capture file (`record`)."""
from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from mmwatch.capture.writer import CaptureWriter, orderbook_record, trade_record
from mmwatch.collector.rows import row_ts
from mmwatch.days import utc_day_of_ms
from mmwatch.landing.zone import write_landing
from mmwatch.schemas import LANDING_SCHEMAS
from mmwatch.settings import DataDir

log = logging.getLogger(__name__)
MINUTE_MS = 60_000


class Sink(Protocol):
    """Receives rows as they are fetched; `tick(now_ms)` after each cycle, `close()` at shutdown."""

    def add(self, dataset: str, row: dict[str, Any]) -> None: ...

    def tick(self, now_ms: int) -> None: ...

    def close(self) -> None: ...


class LandingSink:
    """Buffers rows per (data set, day, exchange, minute of arrival) and lands each minute once it is over.

    One landing file per exchange per minute per data set (`source="collector"`);
    the day is the UTC day of coalesce(exchange_ts, received_ts). `close()`
    writes everything still buffered, so a shutdown loses nothing.

    `flush_s` < 60 (config `landing_flush_s`, a divisor of 60) cuts each minute into windows of
    that many seconds of arrival, one file each, and lands a window as soon as a row of a later
    window arrives, without waiting for the collector's once-a-minute tick (docs/freshness.md).
    """

    def __init__(self, data_dir: DataDir, background: bool = True, flush_s: int = 60):
        self.data_dir = data_dir
        self.window_ms = flush_s * 1000
        self._newest_window = 0
        self._buffers: dict[tuple[str, str, str, int], list[dict[str, Any]]] = {}
        self.files: list[Path] = []
        self.rows = Counter()
        # Files are built and written in one background thread, so the fetch loop never waits on disk;
        # one worker keeps them in minute order.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="landing") if background else None
        self._pending: list[Future] = []

    def add(self, dataset: str, row: dict[str, Any]) -> None:
        day = utc_day_of_ms(row["received_ts"] if dataset == "fetch_errors" else row_ts(row))
        window = row["received_ts"] // self.window_ms
        key = (dataset, day, row["exchange"], window)
        self._buffers.setdefault(key, []).append(row)
        if self.window_ms < MINUTE_MS and window > self._newest_window:
            self._newest_window = window
            self._land_before(window)

    def tick(self, now_ms: int) -> None:
        """Land every window (minute by default) that is over at `now_ms` (rows arrive with received_ts <= now)."""
        self._land_before(now_ms // self.window_ms)

    def _land_before(self, window: int) -> None:
        for key in [k for k in self._buffers if k[3] < window]:
            self._write(key)

    def close(self) -> None:
        """Land everything buffered and wait until every file is written."""
        for key in list(self._buffers):
            self._write(key)
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._collect_written()

    def _write(self, key: tuple[str, str, str, int]) -> None:
        dataset, day, exchange, _ = key
        rows = self._buffers.pop(key)
        self.rows[dataset] += len(rows)
        if self._pool is None:
            self.files.append(_land(self.data_dir, dataset, day, exchange, rows))
            return
        self._pending.append(self._pool.submit(_land, self.data_dir, dataset, day, exchange, rows))
        self._collect_written()

    def _collect_written(self) -> None:
        # A write error surfaces here, in the collector's thread, instead of being lost.
        while self._pending and self._pending[0].done():
            self.files.append(self._pending.pop(0).result())


def _land(data_dir: DataDir, dataset: str, day: str, exchange: str, rows: list[dict[str, Any]]) -> Path:
    frame = pl.DataFrame(rows, schema=LANDING_SCHEMAS[dataset])
    return write_landing(data_dir, dataset, day, exchange, frame, source="collector")


class CaptureSink:
    """Writes order books and trades as capture records (capture-format.md), with the contract size of
    contract markets, so an import lands the rows the collector would have; fetch errors are only counted."""

    def __init__(self, path: str | Path):
        self.writer = CaptureWriter(path)
        self.errors = 0

    def add(self, dataset: str, row: dict[str, Any]) -> None:
        envelope = (row["exchange"], row["market_type"], row["symbol"])
        # the landing row's contract size (the market's ccxt contractSize); the writer keeps it for contract markets
        contract_size = row.get("contract_size")
        if dataset == "orderbooks":
            self.writer.write(orderbook_record(*envelope, row["exchange_ts"], row["received_ts"],
                                               [[lv["price"], lv["amount"]] for lv in row["bids"]],
                                               [[lv["price"], lv["amount"]] for lv in row["asks"]], row["nonce"],
                                               contract_size))
        elif dataset == "trades":
            self.writer.write(trade_record(*envelope, row["exchange_ts"], row["received_ts"], row["trade_id"],
                                           row["price"], row["amount"], row["side"], contract_size))
        else:
            self.errors += 1  # the capture format has no record type for failed fetches

    def tick(self, now_ms: int) -> None:
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()
