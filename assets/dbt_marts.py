"""The dbt marts as Dagster assets, one UTC day per run (dbt var `day`)."""
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from assets.dbt_translator import MmwatchDbtTranslator
from assets.partitions import daily_partitions
from mmwatch.settings import DATA_DIR_ENV
from resources.data_dir import DataDirResource
from resources.dbt import dbt_project

OBLIGATIONS_ENV = "MMWATCH_OBLIGATIONS_CSV"
# Only one process may write warehouse.duckdb: every asset that opens it runs in this
# pool, limited to one slot (see pipelines/instance.py).
WAREHOUSE_POOL = "warehouse"


class MartsConfig(dg.Config):
    """obligations_csv: an obligations CSV replacing the dbt seed (else env MMWATCH_OBLIGATIONS_CSV)."""

    obligations_csv: Optional[str] = None


@contextmanager
def _data_dir_env(path: Path) -> Iterator[None]:
    """dbt's profile reads MMWATCH_DATA_DIR: point it at the resource's data directory."""
    previous = os.environ.get(DATA_DIR_ENV)
    os.environ[DATA_DIR_ENV] = str(path)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(DATA_DIR_ENV, None)
        else:
            os.environ[DATA_DIR_ENV] = previous


def dbt_build_vars(day: str, obligations_csv: str | None) -> dict[str, Any]:
    """The dbt vars of one day's build."""
    dbt_vars: dict[str, Any] = {"day": day}
    csv = obligations_csv or os.environ.get(OBLIGATIONS_ENV)
    if csv:
        dbt_vars["obligations_csv"] = str(Path(csv).expanduser().resolve())
    return dbt_vars


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    partitions_def=daily_partitions,
    dagster_dbt_translator=MmwatchDbtTranslator(),
    pool=WAREHOUSE_POOL,
    backfill_policy=dg.BackfillPolicy.multi_run(1),  # one dbt build per day (var `day`)
)
def mmwatch_dbt_assets(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, data_dir: DataDirResource, config: MartsConfig
):
    """`dbt build --vars {day: <partition>}`: staging views, marts for the day, dbt tests as checks."""
    layout = data_dir.data_dir.ensure()
    dbt_vars = dbt_build_vars(context.partition_key, config.obligations_csv)
    with _data_dir_env(layout.root):
        yield from dbt.cli(["build", "--vars", json.dumps(dbt_vars)], context=context).stream()
