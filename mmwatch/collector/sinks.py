"""Where collected rows go: the landing zone (per minute) or a capture file (`record`)."""
from __future__ import annotations

import logging
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from mmwatch.capture.writer import CaptureWriter, orderbook_record, trade_record
from mmwatch.collector.rows import refusal_rows
from mmwatch.door.limits import TimeWindow
from mmwatch.door.rules import Door
from mmwatch.landing.zone import write_landing
from mmwatch.schemas import LANDING_SCHEMAS
from mmwatch.settings import DataDir

log = logging.getLogger(__name__)
MINUTE_MS = 60_000


class LandingObserver(Protocol):
    """Told what the landing thread wrote (the collector's metrics: mmwatch.collector.metrics)."""

    def landed(self, dataset: str, exchange: str, path: Path, frame: pl.DataFrame) -> None: ...

    def flushed(self, dataset: str, seconds: float) -> None: ...


class Sink(Protocol):
    """Receives rows as they are fetched; `tick(now_ms)` after each cycle, `close()` at shutdown."""

    def add(self, dataset: str, row: dict[str, Any]) -> None: ...

    def tick(self, now_ms: int) -> None: ...

    def close(self) -> None: ...


class LandingSink:
    """Buffers rows per (data set, exchange, minute of arrival) and lands each minute once it is over.

    One landing file per exchange per minute per data set and UTC day (`source="collector"`);
    the day is the UTC day of coalesce(exchange_ts, received_ts). Rows pass the door first
    (`mmwatch.door`, the same rules as a capture import): a refused book or trade lands as a
    `fetch_errors` row (error_class RefusedAtDoor, the door's reason), so it is counted as a failed
    fetch, never lost in silence. `close()` writes everything still buffered, so a shutdown loses nothing.
    `rows` counts the rows landed per data set (refused ones under fetch_errors).

    `flush_s` < 60 (config `landing_flush_s`, a divisor of 60) cuts each minute into windows of
    that many seconds of arrival, one file each, and lands a window as soon as a row of a later
    window arrives, without waiting for the collector's once-a-minute tick (docs/freshness.md).
    `observer` (optional) is told every file written and every flush's duration, in the landing thread.
    """

    def __init__(self, data_dir: DataDir, background: bool = True, flush_s: int = 60,
                 observer: LandingObserver | None = None):
        TimeWindow.from_env()  # a bad MMWATCH_DOOR_* setting stops the collector now, not at its first file
        self.data_dir = data_dir
        self.observer = observer
        self.window_ms = flush_s * 1000
        self._newest_window = 0
        self._buffers: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
        self.files: list[Path] = []
        self.rows = Counter()
        # Files are built and written in one background thread, so the fetch loop never waits on disk;
        # one worker keeps them in minute order.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="landing") if background else None
        self._pending: list[Future] = []

    def add(self, dataset: str, row: dict[str, Any]) -> None:
        window = row["received_ts"] // self.window_ms
        key = (dataset, row["exchange"], window)
        self._buffers.setdefault(key, []).append(row)
        if self.window_ms < MINUTE_MS and window > self._newest_window:
            self._newest_window = window
            self._land_before(window)

    def tick(self, now_ms: int) -> None:
        """Land every window (minute by default) that is over at `now_ms` (rows arrive with received_ts <= now)."""
        self._land_before(now_ms // self.window_ms)

    def _land_before(self, window: int) -> None:
        for key in [k for k in self._buffers if k[2] < window]:
            self._write(key)

    def close(self) -> None:
        """Land everything buffered and wait until every file is written."""
        for key in list(self._buffers):
            self._write(key)
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._collect_written()

    def _write(self, key: tuple[str, str, int]) -> None:
        dataset = key[0]
        rows = self._buffers.pop(key)
        if self._pool is None:
            self._landed(_land(self.data_dir, dataset, rows, self.observer))
            return
        self._pending.append(self._pool.submit(_land, self.data_dir, dataset, rows, self.observer))
        self._collect_written()

    def _collect_written(self) -> None:
        # A write error surfaces here, in the collector's thread, instead of being lost.
        while self._pending and self._pending[0].done():
            self._landed(self._pending.pop(0).result())

    def _landed(self, landed: list[tuple[str, Path, int]]) -> None:
        for dataset, path, rows in landed:
            self.files.append(path)
            self.rows[dataset] += rows


def _land(data_dir: DataDir, dataset: str, rows: list[dict[str, Any]],
          observer: LandingObserver | None = None) -> list[tuple[str, Path, int]]:
    """Land `rows` (one data set, one exchange) through the door, one file per UTC day; the refused rows
    as fetch_errors. Returns (data set, file, rows) of each file written."""
    started = time.perf_counter()
    frame = pl.DataFrame(rows, schema=LANDING_SCHEMAS[dataset])
    door = Door()  # the time window of now: a long-running collector's "now" moves
    frame, refusals = door.split(frame, dataset)
    landed = _land_by_day(data_dir, dataset, frame, observer)
    if not refusals.is_empty():
        reasons = dict(zip(refusals["row"].to_list(), refusals["reason"].to_list()))
        for index, reason in reasons.items():
            log.warning("refused at the door: %s %s %s: %s", dataset, rows[index]["exchange"], rows[index]["symbol"], reason)
        errors = pl.DataFrame(refusal_rows(dataset, rows, reasons), schema=LANDING_SCHEMAS["fetch_errors"])
        errors, unrecordable = door.split(errors, "fetch_errors")
        for reason in unrecordable["reason"]:  # the envelope itself is refused (a bug upstream): nothing can land
            log.error("refused row not recorded as a fetch error either: %s", reason)
        landed += _land_by_day(data_dir, "fetch_errors", errors, observer)
    if observer is not None:
        observer.flushed(dataset, time.perf_counter() - started)
    return landed


def _land_by_day(data_dir: DataDir, dataset: str, frame: pl.DataFrame,
                 observer: LandingObserver | None = None) -> list[tuple[str, Path, int]]:
    if frame.is_empty():
        return []
    event_ms = pl.col("received_ts") if dataset == "fetch_errors" else pl.coalesce("exchange_ts", "received_ts")
    days = frame.with_columns(pl.from_epoch(event_ms, time_unit="ms").dt.strftime("%Y-%m-%d").alias("_day"))
    landed = []
    for (day, exchange), part in days.group_by(["_day", "exchange"], maintain_order=True):
        part = part.drop("_day")
        path = write_landing(data_dir, dataset, day, exchange, part, source="collector")
        if observer is not None:
            observer.landed(dataset, exchange, path, part)
        landed.append((dataset, path, part.height))
    return landed


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
