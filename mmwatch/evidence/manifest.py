"""The manifest of an evidence pack and its verification.

manifest.json lists every lake file a pack's snapshots were read from (its path relative to the
data directory, size, SHA-256 and the rows read, 0-based in Parquet order) and every file of the
pack itself with its SHA-256. `verify` hashes them again: a lake file that changed (or vanished:
compacted, rebuilt) or a pack file edited after the fact is named, so a third party holding the
recording can check the pack against it.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mmwatch.errors import MmwatchError

MANIFEST = "manifest.json"
FORMAT = "mmwatch-evidence/1"
_BLOCK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def lake_entries(data_dir: Path, rows_by_file: dict[Path, Iterable[int]]) -> list[dict]:
    """One manifest entry per lake file: path (relative to the data directory), bytes, sha256, rows."""
    entries = []
    for file in sorted(rows_by_file):
        shown = file.relative_to(data_dir) if file.is_relative_to(data_dir) else file
        entries.append({"path": str(shown), "bytes": file.stat().st_size, "sha256": sha256_of(file),
                        "rows": sorted(set(rows_by_file[file]))})
    return entries


def pack_entries(folder: Path) -> list[dict]:
    """Every file of the pack except the manifest, with its sha256."""
    return [{"path": str(p.relative_to(folder)), "sha256": sha256_of(p)}
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST]


@dataclass
class Verification:
    folder: Path
    data_dir: Path
    lake_files: int = 0
    pack_files: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        raise MmwatchError(f"{folder} is not an evidence pack: it has no {MANIFEST} (make one with "
                           "`mmwatch evidence --obligation ID --date D`)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise MmwatchError(f"{path} is not JSON ({error}): the manifest was damaged; make the pack again") from None
    if manifest.get("format") != FORMAT:
        raise MmwatchError(f"{path}: format {manifest.get('format')!r} is not {FORMAT!r}")
    return manifest


def verify(folder: Path, data_dir: Path | None = None) -> Verification:
    """Hash every lake file and pack file of the manifest again; each difference is a problem naming
    the file. `data_dir` defaults to the one recorded in the manifest."""
    manifest = read_manifest(folder)
    root = Path(data_dir or manifest["data_dir"])
    result = Verification(folder, root)
    for entry in manifest["lake_files"]:
        path = root / entry["path"]
        result.lake_files += 1
        if not path.is_file():
            result.problems.append(f"{entry['path']}: missing under {root} (the lake partition was rebuilt or "
                                   "compacted since the pack was made, or --data-dir is not the recording)")
            continue
        found = sha256_of(path)
        if found != entry["sha256"]:
            result.problems.append(f"{entry['path']}: sha256 {found} differs from the manifest's {entry['sha256']}: "
                                   "the lake file changed since the pack was made")
    listed = {entry["path"] for entry in manifest["pack_files"]}
    for entry in manifest["pack_files"]:
        path = folder / entry["path"]
        result.pack_files += 1
        if not path.is_file():
            result.problems.append(f"{entry['path']}: missing from the pack")
        elif sha256_of(path) != entry["sha256"]:
            result.problems.append(f"{entry['path']}: edited after the pack was made (sha256 differs)")
    for extra in pack_entries(folder):
        if extra["path"] not in listed:
            result.problems.append(f"{extra['path']}: not in the manifest (added after the pack was made)")
    return result
