"""Landing retention: a landing file older than MMWATCH_LANDING_RETENTION_DAYS (default 7; by the
arrival stamp in its name) is deleted once the lake holds every one of its rows, and only then.

"Holds" is checked, not assumed: the file is read and prepared as a raw run would (the same content
keys: snapshot_id, trade_key, a fetch error's whole row) and every key must be in the lake partition
of the file's folder. A file with a row the lake lacks (its raw run failed or never ran, a row of
another day) or that cannot be read is kept and named with the reason. The partition records each
file it drops before the file goes (mmwatch.lake.dropped_landing): from then on the lake is that
partition's source, and a rebuild appends to it instead of replacing it.

Only the landing zone is touched: quarantined files (<data>/quarantine, mmwatch.landing.quarantine)
and the lake are never deleted here. Each partition is checked and pruned under its lock
(mmwatch.lake.partition_lock), so no raw run of it runs meanwhile.
"""
from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import polars as pl

from mmwatch.door.paths import PartitionPathError
from mmwatch.errors import ConfigError
from mmwatch.lake.dropped_landing import DroppedFile, record_dropped
from mmwatch.lake.files import landing_parts, lake_files, partition_dir, read_landing_file
from mmwatch.lake.partition_keys import KnownKeys
from mmwatch.lake.partition_lock import partition_lock
from mmwatch.lake.raw_partition import RawTable
from mmwatch.landing.zone import LandingFile, list_landing
from mmwatch.schemas import LANDING_SCHEMAS
from mmwatch.settings import DataDir

RETENTION_ENV = "MMWATCH_LANDING_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 7
DAY_NS = 86_400 * 10**9


def retention_days(environ: Mapping[str, str] | None = None) -> int:
    """MMWATCH_LANDING_RETENTION_DAYS (unset or empty: 7); ConfigError naming it when it is not a whole number >= 1."""
    raw = (os.environ if environ is None else environ).get(RETENTION_ENV, "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    try:
        days = int(raw)
    except ValueError:
        days = 0
    if days < 1:
        raise ConfigError(f"{RETENTION_ENV}={raw!r} is not a whole number of days >= 1: set it to how many days "
                          f"landing files are kept once the lake holds their rows (default {DEFAULT_RETENTION_DAYS}), "
                          f"or leave it unset")
    return days


@dataclass(frozen=True)
class KeptFile:
    file: str  # relative to the data directory
    reason: str


@dataclass
class RetentionOutcome:
    days: int
    cutoff: str  # files that landed before this instant (UTC) were due
    due: int = 0
    dropped: list[str] = field(default_factory=list)  # relative to the data directory
    rows_dropped: int = 0
    bytes_freed: int = 0
    kept: list[KeptFile] = field(default_factory=list)


def _rows_missing(table: RawTable, file: LandingFile, known: KnownKeys) -> tuple[int, int]:
    """(rows of `file`, rows whose key the lake partition lacks), reading the file part by part."""
    rows = missing = 0
    for _, row_groups in landing_parts(file):
        prepared = table.prepare(read_landing_file(file, LANDING_SCHEMAS[table.dataset], row_groups))
        keys = prepared.select(*dict.fromkeys([*table.key_columns, table.day_column]))
        rows += keys.height
        missing += known.new_rows(keys).height
    return rows, missing


def _prune_partition(table: RawTable, data_dir: DataDir, day: str, exchange: str, files: list[LandingFile],
                     outcome: RetentionOutcome) -> None:
    folder = partition_dir(data_dir, table.name, day, exchange)
    relative = folder.relative_to(data_dir.root)
    with partition_lock(data_dir, table.name, day, exchange):
        known = KnownKeys(lake_files(data_dir, table.name, day, exchange), table.key_columns, table.day_column)
        held: list[tuple[LandingFile, DroppedFile]] = []
        for file in files:
            name = str(file.path.relative_to(data_dir.root))
            try:
                rows, missing = _rows_missing(table, file, known)
            except (OSError, ValueError, pl.exceptions.PolarsError) as error:
                outcome.kept.append(KeptFile(name, f"unreadable ({type(error).__name__}: {error}); the next raw run "
                                                   f"of {day} quarantines it"))
                continue
            if missing:
                outcome.kept.append(KeptFile(name, f"{missing} of its {rows} rows are not in the lake ({relative}): "
                                                   f"build the day (mmwatch build --date {day}) and it goes next time"))
                continue
            held.append((file, DroppedFile(file.path.name, rows, file.path.stat().st_size,
                                           datetime.now(timezone.utc).isoformat(timespec="seconds"))))
        record_dropped(data_dir, table.name, day, exchange, [record for _, record in held])
        for file, record in held:
            file.path.unlink()
            outcome.dropped.append(str(file.path.relative_to(data_dir.root)))
            outcome.rows_dropped += record.rows
            outcome.bytes_freed += record.bytes
        # (emptied folders stay: an import of that day may be about to write into one)


def apply_retention(data_dir: DataDir, tables: Sequence[RawTable], days: int,
                    now_ns: int | None = None) -> RetentionOutcome:
    """Delete every landing file of `tables`' data sets that landed more than `days` days before
    `now_ns` (default: now) and whose rows the lake holds; name the others with their reason."""
    cutoff_ns = (time.time_ns() if now_ns is None else now_ns) - days * DAY_NS
    outcome = RetentionOutcome(days, datetime.fromtimestamp(cutoff_ns / 1e9, timezone.utc).isoformat(timespec="seconds"))
    for table in tables:
        due: dict[tuple[str, str], list[LandingFile]] = defaultdict(list)
        for file in list_landing(data_dir, table.dataset):
            if file.arrival_ns < cutoff_ns:
                due[(file.day, file.exchange)].append(file)
        for (day, exchange), files in sorted(due.items()):
            outcome.due += len(files)
            try:
                _prune_partition(table, data_dir, day, exchange, files, outcome)
            except PartitionPathError as error:
                outcome.kept += [KeptFile(str(f.path.relative_to(data_dir.root)), f"{error}; the next raw run of "
                                          f"{day} quarantines it") for f in files]
    return outcome
