"""Pure logic of the landing sensor: which landing files are new, and how they
become one run per UTC day.

Cursor = {"watermark": max arrival_ns seen, "recent": names of files with
arrival_ns > watermark - GRACE}. A writer takes its arrival stamp just before
its rename, so a file can appear after files with a later stamp; any file
stamped within GRACE below the watermark is still picked up, and `recent`
keeps it from being processed twice.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from mmwatch.landing.zone import LandingFile
from mmwatch.schemas import LAKE_TABLES

GRACE_NS = 120 * 1_000_000_000

# landing data set -> raw asset name
ASSET_OF_DATASET = {dataset: table for table, dataset in LAKE_TABLES.items()}


@dataclass(frozen=True)
class LandingCursor:
    """The sensor's cursor (serialized as JSON)."""

    watermark: int = 0
    recent: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, raw: str | None) -> "LandingCursor":
        if not raw:
            return cls()
        data = json.loads(raw)
        return cls(int(data["watermark"]), frozenset(data["recent"]))

    def serialize(self) -> str:
        return json.dumps({"watermark": self.watermark, "recent": sorted(self.recent)})


def new_files(files: Iterable[LandingFile], cursor: LandingCursor) -> tuple[list[LandingFile], LandingCursor]:
    """The files not processed yet, and the cursor that marks them processed."""
    floor = cursor.watermark - GRACE_NS
    candidates = [f for f in files if f.arrival_ns > floor]
    fresh = sorted(f for f in candidates if f.path.name not in cursor.recent)
    watermark = max([cursor.watermark, *(f.arrival_ns for f in fresh)])
    done = cursor.recent | {f.path.name for f in fresh}
    recent = frozenset(
        f.path.name for f in candidates if f.arrival_ns > watermark - GRACE_NS and f.path.name in done
    )
    return fresh, LandingCursor(watermark, recent)


@dataclass(frozen=True)
class DayBatch:
    """The new landing files of one UTC day: one run of the raw assets."""

    day: str
    files_by_asset: dict[str, list[str]]
    exchanges: list[str]

    @property
    def run_key(self) -> str:
        names = sorted(name for paths in self.files_by_asset.values() for name in paths)
        return f"landing-{self.day}-" + hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]

    def run_config(self) -> dict:
        return {"ops": {asset: {"config": {"landing_files": paths}} for asset, paths in self.files_by_asset.items()}}


def batches_by_day(files: Iterable[LandingFile]) -> list[DayBatch]:
    """Group landing files by UTC day, then by raw asset (oldest day first)."""
    grouped: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    exchanges: dict[str, set[str]] = defaultdict(set)
    for file in sorted(files):
        grouped[file.day][ASSET_OF_DATASET[file.dataset]].append(str(file.path))
        exchanges[file.day].add(file.exchange)
    return [
        DayBatch(day, {asset: paths for asset, paths in sorted(by_asset.items())}, sorted(exchanges[day]))
        for day, by_asset in sorted(grouped.items())
    ]
