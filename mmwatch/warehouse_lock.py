"""Who may touch warehouse.duckdb now: one writer, or any number of readers, never both.

DuckDB lets one process write a file and no other process open it meanwhile, even to read; a
second writer fails with "Could not set lock on file", and so does dbt when a reader happens to
hold the file at the instant it opens it. This lock sits in front of DuckDB's: an `fcntl.flock`
on <data dir>/warehouse.lock, exclusive for a writer (`mmwatch build` for its whole run, the dbt
build of the marts, an alert cycle), shared for a reader (report, alerts replay and list, status,
publishing, the demo). So:

- a second build queues behind the first (or, asked not to wait, refuses in one line naming it);
- a reader waits, a bounded time, until the writer is done, and a writer waits until the readers
  of the moment have closed the file: neither meets DuckDB's lock error;
- the writer's description (what, day, pid, start) is in the lock file while it holds it, so the
  waiting side can say whom it waits for; the kernel drops a dead process's lock, nothing is stale.

Within one process the lock is re-entrant: `mmwatch build` holds it and the Dagster run it
executes in-process takes it again (the dbt asset, the report reading the marts) without waiting
for itself.
"""
from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from mmwatch.errors import MmwatchError

LOCK_NAME = "warehouse.lock"
# A reader waits this long for a writer at most: a whole day's dbt build of 200 markets takes
# 30-75 s on an idle machine and was seen at ~10 minutes on a machine shared with heavy load.
READ_WAIT_S = 1800.0
POLL_S = 0.2

_log = logging.getLogger(__name__)  # the default on_wait: stderr when logging is not configured
_held: dict[str, tuple[int, int]] = {}  # lock path -> (pid, depth) of this process's exclusive hold
_held_guard = threading.Lock()


class WarehouseBusy(MmwatchError):
    """The warehouse is being written (or read, for a writer asked not to wait) longer than allowed."""


@dataclass(frozen=True)
class Holder:
    """The writer holding the lock, as it wrote itself into the lock file."""

    what: str
    day: str | None
    pid: int
    started: str  # ISO UTC

    def describe(self) -> str:
        day = f" of {self.day}" if self.day else ""
        return f"{self.what}{day} (pid {self.pid}, started {self.started.replace('T', ' ')[:19]} UTC)"


def lock_path(warehouse: str | Path) -> Path:
    """<data dir>/warehouse.lock beside `warehouse`."""
    return Path(warehouse).parent / LOCK_NAME


def current_holder(warehouse: str | Path) -> Holder | None:
    """The writer named in the lock file (None when none is named: no writer, or readers only)."""
    try:
        text = lock_path(warehouse).read_text(encoding="utf-8").strip()
        return Holder(**json.loads(text)) if text else None
    except (OSError, ValueError, TypeError):
        return None


def held_here(warehouse: str | Path) -> bool:
    """Whether this process holds the writer lock of `warehouse`."""
    with _held_guard:
        entry = _held.get(str(lock_path(warehouse)))
    return entry is not None and entry[0] == os.getpid()


def _busy_with(warehouse: str | Path) -> str:
    holder = current_holder(warehouse)
    return holder.describe() if holder else "readers of the warehouse (a report, a replay, publishing)"


def _open(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)


def _open_to_read(path: Path) -> int | None:
    """The lock file for a shared lock; read-only when we may not write the data directory; None
    when it does not exist and cannot be made (then no writer of ours can be at work either)."""
    try:
        return _open(path)
    except FileNotFoundError:
        return None  # the data directory itself is gone
    except OSError as error:
        if error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        try:
            return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None


def _try(fd: int, mode: int) -> bool:
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


@contextmanager
def writing(warehouse: str | Path, what: str, day: str | None = None, wait: bool = True,
            on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the warehouse for writing. Another writer or readers holding it: with `wait`, tell
    `on_wait` (default: a warning logged) once whom we wait for and block until they are done; without, raise WarehouseBusy
    naming them. Re-entrant within this process."""
    path = lock_path(warehouse)
    key = str(path)
    if held_here(warehouse):
        with _held_guard:
            pid, depth = _held[key]
            _held[key] = (pid, depth + 1)
        try:
            yield
        finally:
            with _held_guard:
                _held[key] = (pid, _held[key][1] - 1)
        return
    fd = _open(path)
    try:
        if not _try(fd, fcntl.LOCK_EX):
            busy = _busy_with(warehouse)
            if not wait:
                raise WarehouseBusy(f"{warehouse} is in use by {busy}: try again when it ends, "
                                    f"or leave out --no-wait to queue behind it (docs/runbook.md#build-waiting)")
            (on_wait or _log.warning)(f"waiting for {busy} to finish with {warehouse} (lock {path})")
            fcntl.flock(fd, fcntl.LOCK_EX)
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"what": what, "day": day, "pid": os.getpid(), "started": started}).encode(), 0)
        with _held_guard:
            _held[key] = (os.getpid(), 1)
        try:
            yield
        finally:
            with _held_guard:
                _held.pop(key, None)
            os.ftruncate(fd, 0)  # no writer named: a waiting writer then waits for readers only
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextmanager
def reading(warehouse: str | Path, wait_s: float = READ_WAIT_S,
            on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the warehouse for reading (shared with other readers) while a writer is not at work;
    wait for one at most `wait_s` (telling `on_wait`, default a
    logged warning, once whom we wait for), then raise
    WarehouseBusy naming it. Nothing to take when this process is the writer."""
    fd = None if held_here(warehouse) else _open_to_read(lock_path(warehouse))
    if fd is None:
        yield
        return
    try:
        deadline = time.monotonic() + wait_s
        told = False
        while not _try(fd, fcntl.LOCK_SH):
            if time.monotonic() >= deadline:
                raise WarehouseBusy(f"{warehouse} is being written by {_busy_with(warehouse)} for more than "
                                    f"{wait_s:g} s; try again when it ends")
            if not told:
                (on_wait or _log.warning)(f"waiting for {_busy_with(warehouse)} to finish writing {warehouse}")
                told = True
            time.sleep(POLL_S)
        yield
    finally:
        os.close(fd)
