"""Listing the landing zone for the sensor without reading every folder on every tick.

A landing file is renamed into its `day=D/exchange=X` folder after its writer stamps `arrival_ns`,
so the folder's mtime is at least that stamp (less the coarse file-system clock, covered by a
margin). Folders whose mtime is older than the sensor's floor (watermark - grace) hold no file the
sensor could still take: they are skipped, and a tick costs one stat per folder instead of one
directory listing per folder (a year of minute files is millions of names).
"""
from __future__ import annotations

from mmwatch.landing.zone import LandingFile
from mmwatch.schemas import LAKE_TABLES
from mmwatch.settings import DataDir

# file-system timestamps come from a coarse clock (a few ms behind time.time_ns)
MTIME_MARGIN_NS = 1_000_000_000


def landing_files_since(data_dir: DataDir, floor_ns: int) -> list[LandingFile]:
    """Every landing file (all data sets) in folders changed after `floor_ns` - margin, oldest first."""
    oldest = floor_ns - MTIME_MARGIN_NS
    found: list[LandingFile] = []
    for dataset in LAKE_TABLES.values():
        for folder in data_dir.landing_dir(dataset).glob("day=*/exchange=*"):
            try:
                if folder.stat().st_mtime_ns < oldest:
                    continue
            except FileNotFoundError:
                continue
            found += [f for f in map(LandingFile.parse, folder.glob("*.parquet")) if f is not None]
    return sorted(found)
