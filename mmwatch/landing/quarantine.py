"""The quarantine: landing files that cannot enter the lake, moved aside (never deleted) with their
reason, so that one bad file never blocks a day.

    <data>/quarantine/<data set>/day=<D>/exchange=<X>/<name>             the file, as it landed
    <data>/quarantine/<data set>/day=<D>/exchange=<X>/<name>.reason.txt  why, when, from where
    <data>/quarantine/ledger.jsonl    one JSON object per file quarantined (history: kept after a release)

A file is quarantined by the raw assets when its exchange is not a venue (mmwatch/venues.py), when it
cannot be read as Parquet in its data set's landing schema, when it holds rows of another partition,
or when its rows break the lake schema (mmwatch.lake.validation). Spec §1 invalid books are not
refused: they enter the lake as invalid rows. Nothing ever reads the quarantine into the lake; a
file put back into landing is read again like any landing file, and the lake's keys (a rebuild
replaces the partition, a batch skips keys already there) keep its rows from being counted twice
(docs/runbook.md#quarantine).
"""
from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq

from mmwatch.errors import MmwatchError
from mmwatch.landing.zone import LandingFile, list_landing
from mmwatch.settings import DataDir
from mmwatch.venues import VENUES

LEDGER = "ledger.jsonl"
REASON_SUFFIX = ".reason.txt"
RUNBOOK = "docs/runbook.md#quarantine"
_MAX_REASON_CHARS = 600
_ledger_lock = threading.Lock()  # two partitions of a run may quarantine at once


@dataclass(frozen=True)
class Quarantined:
    """One quarantined landing file; paths relative to the data directory."""

    file: str  # where it landed
    moved_to: str  # where it is now
    dataset: str
    day: str
    exchange: str
    rows: int | None  # None: its footer cannot be read
    reason: str
    at: str  # ISO time, UTC


@dataclass
class QuarantineView:
    """What `mmwatch status` shows: the files now in quarantine, their rows (known ones), the newest few."""

    files: int = 0
    rows: int = 0
    unreadable: int = 0  # files whose rows cannot be counted
    latest: list[Quarantined] = field(default_factory=list)
    folder: str = ""


def one_line(text: str) -> str:
    """A reason as one line of bounded length."""
    flat = " | ".join(part.strip() for part in str(text).splitlines() if part.strip())
    return flat if len(flat) <= _MAX_REASON_CHARS else flat[: _MAX_REASON_CHARS - 3] + "..."


def _row_count(path: Path) -> int | None:
    try:
        return pq.read_metadata(path).num_rows
    except Exception:  # noqa: BLE001 - an unreadable footer is a reason to be here, not an error
        return None


def quarantine_file(data_dir: DataDir, file: LandingFile, reason: str) -> Quarantined:
    """Move `file` from landing to the quarantine (same sub-path), write its reason file and a ledger line."""
    source = Path(file.path) if Path(file.path).is_absolute() else data_dir.root / file.path
    try:
        relative = Path(os.path.normpath(source)).relative_to(os.path.normpath(data_dir.landing))
    except ValueError:
        raise MmwatchError(f"cannot quarantine {source}: it is not under the landing zone {data_dir.landing}") from None
    if ".." in relative.parts:
        raise MmwatchError(f"cannot quarantine {source}: its path leaves the landing zone")
    target = data_dir.quarantine / relative
    record = Quarantined(
        file=str(source.relative_to(data_dir.root)), moved_to=str(target.relative_to(data_dir.root)),
        dataset=file.dataset, day=file.day, exchange=file.exchange, rows=_row_count(source), reason=one_line(reason),
        at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    target.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{target}{REASON_SUFFIX}").write_text(
        f"{record.reason}\nquarantined at {record.at} from {record.file}; rows: {record.rows}; "
        f"to put it back: {RUNBOOK}\n", encoding="utf-8")
    try:
        os.replace(source, target)
    except OSError as error:
        if error.errno != 18:  # EXDEV: landing on another file system than the data directory
            raise
        shutil.move(source, target)
    line = json.dumps(asdict(record), ensure_ascii=False) + "\n"
    with _ledger_lock, open(data_dir.quarantine / LEDGER, "a", encoding="utf-8") as ledger:
        ledger.write(line)
    return record


def unknown_venue_files(data_dir: DataDir, dataset: str, day: str) -> list[LandingFile]:
    """The landing files of `dataset` and `day` whose exchange folder is not a venue."""
    return [f for f in list_landing(data_dir, dataset, day) if f.exchange not in VENUES]


def unknown_venue_reason(exchange: str) -> str:
    return (f"exchange {exchange!r} is not a venue ({', '.join(VENUES)}; mmwatch/venues.py): add it there if it is "
            f"one, then put the file back")


def quarantine_unknown_venues(data_dir: DataDir, dataset: str, days: Iterable[str]) -> list[Quarantined]:
    """Quarantine every landing file of `dataset` on `days` whose exchange is not a venue."""
    return [quarantine_file(data_dir, f, unknown_venue_reason(f.exchange))
            for day in sorted(set(days)) for f in unknown_venue_files(data_dir, dataset, day)]


def is_quarantined(data_dir: DataDir, path: Path) -> bool:
    """Whether landing file `path` (absolute, under landing) now sits in the quarantine."""
    try:
        relative = Path(os.path.normpath(path)).relative_to(os.path.normpath(data_dir.landing))
    except ValueError:
        return False
    return (data_dir.quarantine / relative).is_file()


def read_ledger(data_dir: DataDir) -> list[Quarantined]:
    """Every ledger line, oldest first (none when nothing was ever quarantined); a torn last line is skipped."""
    path = data_dir.quarantine / LEDGER
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(Quarantined(**json.loads(line)))
        except (ValueError, TypeError):
            continue
    return records


def quarantine_view(data_dir: DataDir, latest: int = 5) -> QuarantineView:
    """The files in quarantine now (a file put back no longer counts), with the newest `latest` records.
    Read-only: nothing is created."""
    view = QuarantineView(folder=str(data_dir.quarantine))
    if not data_dir.quarantine.is_dir():
        return view
    present = {str(p.relative_to(data_dir.root)) for p in data_dir.quarantine.glob("*/day=*/exchange=*/*.parquet")}
    known = {r.moved_to: r for r in read_ledger(data_dir) if r.moved_to in present}  # the newest record per file
    records = sorted(known.values(), key=lambda r: (r.at, r.moved_to))
    records += [Quarantined(p, p, "", "", "", None, "no ledger line (see its .reason.txt)", "")
                for p in sorted(present - set(known))]
    view.files = len(records)
    view.rows = sum(r.rows or 0 for r in records)
    view.unreadable = sum(r.rows is None for r in records)
    view.latest = records[-latest:][::-1]
    return view
