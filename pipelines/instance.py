"""The local Dagster instance in the data directory (runs visible in `dagster dev`)."""
from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from mmwatch.settings import DataDir

# One slot per pool: the only pool is `warehouse` (dbt and the report), so at most
# one process opens warehouse.duckdb at a time.
_INSTANCE_YAML = """\
# written by mmwatch: one slot per concurrency pool (pool `warehouse` = dbt and the
# report, which must never open warehouse.duckdb at the same time)
concurrency:
  pools:
    default_limit: 1
# offline installations: no usage statistics
telemetry:
  enabled: false
"""


def ensure_instance(data_dir: DataDir) -> dg.DagsterInstance:
    """The instance at $DAGSTER_HOME, which is set to <data dir>/dagster_home when unset.

    A dagster.yaml limiting every pool to one slot is written there when the
    directory has none.
    """
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(data_dir.dagster_home)))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(_INSTANCE_YAML, encoding="utf-8")
    return dg.DagsterInstance.get()
