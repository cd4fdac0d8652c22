"""The local Dagster instance in the data directory (runs visible in `dagster dev`)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg

from mmwatch.settings import DataDir
from pipelines.automation_history import HistoryRetention
from pipelines.dagster_storage import STORAGE_CLASS, STORAGE_MODULE

_WRITTEN_BY_MMWATCH = "# written by mmwatch"
# One slot per pool: the only pool is `warehouse` (dbt, the report, publishing, the alert ledger),
# so at most one process opens warehouse.duckdb at a time. Granularity `op`: a slot is held only
# while a step that needs it runs, not while a run's process starts (5-10 s a run); two further
# runs may start and wait with their steps blocked (op_granularity_run_buffer: the next marts
# refresh and a follower), ready the moment the current one lets go; the followers' steps go first
# (dagster/priority, assets/marts/dbt_assets.py). The queue is looked at every second, not every 5 s.
_INSTANCE_YAML = f"""\
{_WRITTEN_BY_MMWATCH}: one slot per concurrency pool (pool `warehouse` = dbt, the report,
# publishing and the alert ledger, which must never open warehouse.duckdb at the same time), held
# while a step that needs it runs
concurrency:
  pools:
    default_limit: 1
    granularity: op
    op_granularity_run_buffer: 2
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    dequeue_interval_seconds: 1
# the automation sensors evaluated side by side, not one after the other (a tick each every 5 s)
auto_materialize:
  use_threads: true
  num_workers: 4
# offline installations: no usage statistics
telemetry:
  enabled: false
"""


def instance_yaml(home: Path) -> str:
    """mmwatch's dagster.yaml for the instance at `home`: the settings above and Dagster's SQLite storage
    with its engines kept (pipelines/dagster_storage.py; the same files as Dagster's default)."""
    return _INSTANCE_YAML + f"""\
# Dagster's SQLite storage in this directory, each database's SQLAlchemy engine kept for the process
# (Dagster's own makes one per query: pipelines/dagster_storage.py), the automation's evaluation
# history bounded (Dagster keeps 30 days: pipelines/automation_history.py)
storage:
  custom:
    module: {STORAGE_MODULE}
    class: {STORAGE_CLASS}
    config:
      base_dir: {json.dumps(str(home.resolve()))}
      # hours an evaluation that requested a run is kept (requested_hours), and any other (other_hours)
      automation_history: {{requested_hours: {HistoryRetention.requested_hours:g}, other_hours: {HistoryRetention.other_hours:g}}}
"""


def ensure_instance(data_dir: DataDir) -> dg.DagsterInstance:
    """The instance at $DAGSTER_HOME, which is set to <data dir>/dagster_home when unset.

    A dagster.yaml limiting every pool to one slot (per step) is written there when the directory
    has none, or has an older one written by mmwatch; a dagster.yaml of your own is left as it is.
    """
    write_instance_yaml(Path(os.environ.setdefault("DAGSTER_HOME", str(data_dir.dagster_home))))
    return dg.DagsterInstance.get()


def write_instance_yaml(home: Path) -> Path:
    """home/dagster.yaml with mmwatch's instance settings, unless it is a file of your own."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    current = config.read_text(encoding="utf-8") if config.exists() else None
    wanted = instance_yaml(home)
    if current is None or (current.startswith(_WRITTEN_BY_MMWATCH) and current != wanted):
        config.write_text(wanted, encoding="utf-8")
    return config
