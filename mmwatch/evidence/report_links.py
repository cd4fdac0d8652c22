"""The evidence packs the daily report links: one per failing obligation of the day, made beside
the warehouse (<data dir>/evidence/<obligation>/<day>/) when missing, when the day's breach episodes
changed since it was made or when a lake file it names is gone (compacted, rebuilt); reused otherwise. A pack that cannot be made is reported with
its reason (the report still goes out). Each pack is bounded (mmwatch.evidence.pack:
MAX_DETAILED_EPISODES, MAX_HEATMAP_SNAPSHOTS); the report links it and shows its size, nothing is
attached."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mmwatch.errors import MmwatchError
from mmwatch.evidence import warehouse
from mmwatch.evidence.manifest import MANIFEST
from mmwatch.evidence.pack import default_folder, make_pack
from mmwatch.settings import DataDir


@dataclass(frozen=True)
class PackLink:
    obligation_id: str
    folder: Path | None
    episodes: int = 0
    bytes: int = 0
    problem: str | None = None

    @property
    def index(self) -> Path | None:
        return None if self.folder is None else self.folder / "index.html"


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _current(folder: Path, episodes: list[list[int]], data_dir: Path) -> bool:
    """True when the pack at `folder` was made from these episodes and its lake files are still there
    with their sizes (a compacted or rebuilt partition has other files: the pack is made again)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return manifest.get("episodes") == episodes and all(
            (data_dir / entry["path"]).stat().st_size == entry["bytes"] for entry in manifest["lake_files"])
    except (OSError, ValueError, KeyError, TypeError):
        return False


def packs_for_report(warehouse_path: str | Path, day: str, obligation_ids: Iterable[str]) -> dict[str, PackLink]:
    """The pack of each obligation on `day`, made or reused, by obligation id."""
    layout = DataDir(Path(warehouse_path).resolve().parent)
    links: dict[str, PackLink] = {}
    for obligation_id in sorted(set(obligation_ids)):
        folder = default_folder(layout, obligation_id, day)
        try:
            with warehouse.warehouse_connection(layout.warehouse) as con:
                episodes = [[e["start_ts"], e["end_ts"]] for e in warehouse.breach_episodes(con, obligation_id, day)]
            if not _current(folder, episodes, layout.root):
                make_pack(layout, obligation_id, day)
        except MmwatchError as error:
            links[obligation_id] = PackLink(obligation_id, None, problem=str(error))
            continue
        links[obligation_id] = PackLink(obligation_id, folder, len(episodes), _size(folder))
    return links
