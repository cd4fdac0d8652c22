"""Where collected rows go: the landing zone (per minute) or a capture file (`record`)."""
from __future__ import annotations

import logging
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from mmwatch.capture.writer import CaptureWriter, orderbook_record, trade_record
from mmwatch.collector.landing_frame import landing_frame
from mmwatch.collector.rows import level_pairs, refusal_rows
from mmwatch.days import utc_day_of_ms
from mmwatch.disk_full import free_text, is_disk_full
from mmwatch.door.limits import TimeWindow
from mmwatch.door.rules import Door
from mmwatch.landing.zone import landing_partition, write_landing
from mmwatch.schemas import LANDING_SCHEMAS
from mmwatch.settings import DataDir

log = logging.getLogger(__name__)
MINUTE_MS = 60_000
# rows held in memory while the disk is full (about 1 GB of 100-level books); older ones are dropped beyond
HELD_ROWS_MAX = 100_000


@dataclass
class Flush:
    """What one flush did: the files written (data set, path, rows) and the rows a full disk held back
    (data set, rows as they were to land, the folder that could not be written, the error)."""

    landed: list[tuple[str, Path, int]] = field(default_factory=list)
    held: list[tuple[str, pl.DataFrame, Path, BaseException]] = field(default_factory=list)


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

    A full disk loses nothing it can keep: rows whose file could not be written (no partial file is
    left: landing files appear whole or not at all) are held in memory and written again at each
    flush until there is room, with one error line when the disk fills (the folder, the free space,
    the rows held) and one line when they land; beyond HELD_ROWS_MAX the oldest are dropped, said.
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
        # Rows a full disk put back into the buffers, by buffer key, not landed or tried again yet
        # (rows on their way to the landing thread are not counted: at most a few windows).
        self._held: dict[tuple[str, str, int], int] = {}
        self._disk_full = False  # said once when the disk fills, once when files land again
        self.dropped_rows = 0  # rows dropped because the disk stayed full past HELD_ROWS_MAX

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
        """Land everything buffered and wait until every file is written (rows a full disk still holds
        back are tried once more, then said to be lost)."""
        for key in list(self._buffers):
            self._write(key)
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._collect_written()
        self._pool = None  # the last try of what a full disk still holds runs here, in this thread
        for key in list(self._buffers):
            self._write(key)
        if self._buffers:
            lost = sum(len(rows) for rows in self._buffers.values())
            log.error("disk still full at shutdown: %d rows held in memory are not landed (%s)", lost,
                      free_text(self.data_dir.landing))

    @property
    def held_rows(self) -> int:
        """Rows a full disk refused that wait in memory for the next flush."""
        return sum(self._held.values())

    def _write(self, key: tuple[str, str, int]) -> None:
        dataset = key[0]
        rows = self._buffers.pop(key, None)
        if rows is None:  # dropped past HELD_ROWS_MAX while the caller's list of keys was being written
            return
        self._held.pop(key, None)  # tried again: held anew if the disk refuses them again
        if self._pool is None:
            self._landed(_land(self.data_dir, dataset, rows, self.observer))
            return
        self._pending.append(self._pool.submit(_land, self.data_dir, dataset, rows, self.observer))
        self._collect_written()

    def _collect_written(self) -> None:
        # A write error surfaces here, in the collector's thread, instead of being lost.
        while self._pending and self._pending[0].done():
            self._landed(self._pending.pop(0).result())

    def _landed(self, flush: Flush) -> None:
        for dataset, path, rows in flush.landed:
            self.files.append(path)
            self.rows[dataset] += rows
        if flush.held:
            self._hold(flush.held)
        elif self._disk_full and flush.landed:
            log.warning("landing again: the rows held while the disk was full are landed or on their way "
                        "(%d rows dropped in all since the collector started; %s)", self.dropped_rows,
                        free_text(self.data_dir.landing))
            self._disk_full = False

    def _hold(self, held: list[tuple[str, pl.DataFrame, Path, BaseException]]) -> None:
        """Put rows a full disk refused back into the buffers (landed at the next flush); past
        HELD_ROWS_MAX rows held, drop the oldest windows held, and say so."""
        if not self._disk_full:
            self._disk_full = True
            dataset, _, folder, error = held[0]
            log.error("disk full: could not write a landing file in %s (%s: %s; %s); %d rows are held in memory "
                      "and landed once there is room (at most %d: older ones are dropped beyond that)",
                      folder, type(error).__name__, " ".join(str(error).split()), free_text(folder),
                      self.held_rows + sum(frame.height for _, frame, _, _ in held), HELD_ROWS_MAX)
        for dataset, frame, _, _ in held:
            for row in frame.to_dicts():
                key = (dataset, row["exchange"], row["received_ts"] // self.window_ms)
                self._buffers.setdefault(key, []).append(row)
                self._held[key] = self._held.get(key, 0) + 1
        while self.held_rows > HELD_ROWS_MAX:
            oldest = min(self._held, key=lambda key: key[2])
            del self._held[oldest]
            dropped = len(self._buffers.pop(oldest))
            self.dropped_rows += dropped
            log.error("disk full for too long: %d rows dropped (%d in all), %d still held", dropped,
                      self.dropped_rows, self.held_rows)


def _land(data_dir: DataDir, dataset: str, rows: list[dict[str, Any]],
          observer: LandingObserver | None = None) -> Flush:
    """Land `rows` (one data set, one exchange) through the door, one file per UTC day; the refused rows
    as fetch_errors. Returns the files written and the rows a full disk held back."""
    started = time.perf_counter()
    frame = landing_frame(rows, LANDING_SCHEMAS[dataset])  # not pl.DataFrame(rows): see landing_frame
    door = Door()  # the time window of now: a long-running collector's "now" moves
    frame, refusals = door.split(frame, dataset)
    flush = Flush()
    _land_by_day(data_dir, dataset, frame, flush, observer)
    if not refusals.is_empty():
        reasons = dict(zip(refusals["row"].to_list(), refusals["reason"].to_list()))
        for index, reason in reasons.items():
            log.warning("refused at the door: %s %s %s: %s", dataset, rows[index]["exchange"], rows[index]["symbol"], reason)
        errors = landing_frame(refusal_rows(dataset, rows, reasons), LANDING_SCHEMAS["fetch_errors"])
        errors, unrecordable = door.split(errors, "fetch_errors")
        for reason in unrecordable["reason"]:  # the envelope itself is refused (a bug upstream): nothing can land
            log.error("refused row not recorded as a fetch error either: %s", reason)
        _land_by_day(data_dir, "fetch_errors", errors, flush, observer)
    if observer is not None:
        observer.flushed(dataset, time.perf_counter() - started)
    return flush


def _land_by_day(data_dir: DataDir, dataset: str, frame: pl.DataFrame, flush: Flush,
                 observer: LandingObserver | None = None) -> None:
    if frame.is_empty():
        return
    for (day, exchange), part in _by_day_and_exchange(dataset, frame):
        try:
            path = write_landing(data_dir, dataset, day, exchange, part, source="collector")
        except Exception as error:  # pyarrow and Python say ENOSPC as OSError, polars in words
            if not is_disk_full(error):
                raise
            flush.held.append((dataset, part, landing_partition(data_dir, dataset, day, exchange), error))
            continue
        if observer is not None:
            observer.landed(dataset, exchange, path, part)
        flush.landed.append((dataset, path, part.height))


def _by_day_and_exchange(dataset: str, frame: pl.DataFrame) -> list[tuple[tuple[str, str], pl.DataFrame]]:
    """`frame` split by the UTC day of each row's event time and by exchange. A sink's rows are one
    exchange's, nearly always of one day: then the frame is the one part, without a group-by (a
    landing file of a simulated day's minute cost twice as much with it)."""
    event_ms = pl.col("received_ts") if dataset == "fetch_errors" else pl.coalesce("exchange_ts", "received_ts")
    bounds = frame.select(event_ms.min().alias("first"), event_ms.max().alias("last"),
                          pl.col("exchange").first().alias("exchange"),
                          pl.col("exchange").n_unique().alias("exchanges")).row(0, named=True)
    first_day, last_day = utc_day_of_ms(bounds["first"]), utc_day_of_ms(bounds["last"])
    if bounds["exchanges"] == 1 and first_day == last_day:
        return [((first_day, bounds["exchange"]), frame)]
    days = frame.with_columns(pl.from_epoch(event_ms, time_unit="ms").dt.strftime("%Y-%m-%d").alias("_day"))
    return [(key, part.drop("_day")) for key, part in days.group_by(["_day", "exchange"], maintain_order=True)]


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
                                               level_pairs(row["bids"]),
                                               level_pairs(row["asks"]), row["nonce"],
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


class TeeSink:
    """Hands every row to each of `sinks`, in order (`mmwatch record --land`: the capture file and the
    landing zone get the same rows, so an import of the capture can be checked against what landed)."""

    def __init__(self, *sinks: Sink):
        self.sinks = sinks

    def add(self, dataset: str, row: dict[str, Any]) -> None:
        for sink in self.sinks:
            sink.add(dataset, row)

    def tick(self, now_ms: int) -> None:
        for sink in self.sinks:
            sink.tick(now_ms)

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()
