"""The local Dagster instance in the data directory (runs visible in `dagster dev`)."""
from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from mmwatch.settings import DataDir

_WRITTEN_BY_MMWATCH = "# written by mmwatch"
# One slot per pool: the only pool is `warehouse` (dbt, the report, publishing), so at most one
# process opens warehouse.duckdb at a time. Granularity `run`: the run queue keeps a second marts
# run QUEUED until the first ends (with `op` it would start and wait inside its dbt step).
_INSTANCE_YAML = f"""\
{_WRITTEN_BY_MMWATCH}: one slot per concurrency pool (pool `warehouse` = dbt, the report and
# publishing, which must never open warehouse.duckdb at the same time), held for the whole run
concurrency:
  pools:
    default_limit: 1
    granularity: run
# offline installations: no usage statistics
telemetry:
  enabled: false
"""


def ensure_instance(data_dir: DataDir) -> dg.DagsterInstance:
    """The instance at $DAGSTER_HOME, which is set to <data dir>/dagster_home when unset.

    A dagster.yaml limiting every pool to one slot (per run) is written there when the directory
    has none, or has an older one written by mmwatch; a dagster.yaml of your own is left as it is.
    """
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(data_dir.dagster_home)))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    current = config.read_text(encoding="utf-8") if config.exists() else None
    if current is None or (current.startswith(_WRITTEN_BY_MMWATCH) and current != _INSTANCE_YAML):
        config.write_text(_INSTANCE_YAML, encoding="utf-8")
    return dg.DagsterInstance.get()
