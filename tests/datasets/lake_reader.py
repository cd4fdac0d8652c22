"""Reading a data-set lake table back (every partition file)."""
from __future__ import annotations

from pathlib import Path

import polars as pl


def read_table(data_dir: Path, table: str) -> pl.DataFrame:
    """All rows of lake/<table>, with the partition's exchange column as written."""
    files = sorted((data_dir / "lake" / table).glob("day=*/exchange=*/*.parquet"))
    return pl.concat([pl.read_parquet(f, hive_partitioning=False) for f in files]) if files else pl.DataFrame()


def metadata(result, table: str) -> dict:
    """The materialization metadata of one asset in a materialize() result (a range run records one
    materialization per partition, all with the run's metadata)."""
    events = result.asset_materializations_for_node(table)
    return {key: value.value for key, value in events[0].metadata.items()}
