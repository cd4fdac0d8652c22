"""Import capture lines written by a test and read back what landed (shared by the capture tests)."""
from __future__ import annotations

import orjson
import polars as pl

from mmwatch.capture.importer import ImportResult, import_capture
from mmwatch.landing.zone import list_landing
from mmwatch.settings import DataDir


def landed_rows(data_dir: DataDir, dataset: str) -> list[dict]:
    """The landed rows of `dataset` by received_ts, without `source` (it names the file imported)."""
    files = list_landing(data_dir, dataset)
    if not files:
        return []
    frame = pl.concat([pl.read_parquet(f.path) for f in files]).drop("source")
    return frame.sort("received_ts").to_dicts()


def import_lines(tmp_path, name: str, lines: list[bytes]) -> tuple[ImportResult, list[dict], list[dict]]:
    """Write `lines` as <name>.jsonl, import it into its own data dir: (result, order books, trades)."""
    path = tmp_path / f"{name}.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    data_dir = DataDir(tmp_path / name)
    result = import_capture(data_dir, path)
    return result, landed_rows(data_dir, "orderbooks"), landed_rows(data_dir, "trades")


def reordered(record: dict) -> bytes:
    """The same record with its keys in reverse order: never the writer's shape (careful path)."""
    return orjson.dumps(dict(reversed(list(record.items()))))
