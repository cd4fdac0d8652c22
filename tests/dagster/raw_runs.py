"""Helpers: materialize the raw assets for real and read the lake back."""
from __future__ import annotations

import dagster as dg
import polars as pl

from mmwatch.settings import DataDir
from resources.data_dir import DataDirResource


def materialize_raw(asset, data_dir: DataDir, partition_key: str, instance, landing_files=None):
    """Materialize one raw asset partition; landing_files None = rebuild. Returns the metadata values."""
    run_config = None
    if landing_files is not None:
        run_config = {"ops": {asset.key.path[-1]: {"config": {"landing_files": [str(p) for p in landing_files]}}}}
    result = dg.materialize(
        [asset], partition_key=partition_key, instance=instance, run_config=run_config,
        resources={"data_dir": DataDirResource(path=str(data_dir.root))},
    )
    (materialization,) = result.asset_materializations_for_node(asset.key.path[-1])
    return {key: value.value for key, value in materialization.metadata.items()}


def read_lake(data_dir: DataDir, table: str, day: str, exchange: str) -> pl.DataFrame:
    """Every row of one lake partition (all its files)."""
    folder = data_dir.lake_dir(table) / f"day={day}" / f"exchange={exchange}"
    files = sorted(folder.glob("*.parquet"))
    if not files:
        return pl.DataFrame()
    return pl.concat([pl.read_parquet(f) for f in files])


def lake_file_count(data_dir: DataDir, table: str, day: str, exchange: str) -> int:
    return len(list((data_dir.lake_dir(table) / f"day={day}" / f"exchange={exchange}").glob("*.parquet")))
