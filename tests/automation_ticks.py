"""The daemon's work, done in the test: ticks of the code location's real sensors against a real
instance, and the runs they request executed in process.

`Daemon.tick(now)` does what the Dagster daemon does on one pass: the landing sensor's tick (its
runs executed), then one tick of each automation sensor, in the order the conditions chain (marts,
then the followers), each with the cursor of its previous tick and the same evaluation code the
daemon runs (AutomationTickEvaluationContext, which also groups requests into runs), and each
requested run executed in process as the daemon would launch it: the asset and check selection,
the partition and the tags of the request.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import dagster as dg
from dagster._core.definitions.asset_daemon_cursor import AssetDaemonCursor
from dagster._core.definitions.automation_tick_evaluation_context import AutomationTickEvaluationContext

from resources.data_dir import DataDirResource

AUTOMATION_ORDER = ("marts_automation", "alerts_automation", "serving_automation", "report_automation")


@dataclass
class Launched:
    """One run a tick requested and executed."""

    sensor: str
    partition: str | None
    assets: frozenset[str]
    checks: int | None  # check keys selected; None: every check of the assets (the daemon's default)
    tags: dict[str, str]
    result: dg.ExecuteInProcessResult


@dataclass
class Daemon:
    defs: dg.Definitions
    instance: dg.DagsterInstance
    data_dir: str
    sensors: tuple[str, ...] = AUTOMATION_ORDER
    cursors: dict[str, AssetDaemonCursor] = field(default_factory=dict)
    landing_cursor: str | None = None
    evaluations: int = 0

    def land(self) -> list[Launched]:
        """One landing sensor tick; its raw runs executed."""
        sensor = self.defs.resolve_sensor_def("landing_sensor")
        context = dg.build_sensor_context(instance=self.instance, cursor=self.landing_cursor,
                                          resources={"data_dir": DataDirResource(path=self.data_dir)},
                                          repository_def=self.defs.get_repository_def())
        data = sensor.evaluate_tick(context)
        self.landing_cursor = data.cursor
        job = self.defs.resolve_job_def("raw_ingest_job")
        launched = []
        for request in data.run_requests:
            result = job.execute_in_process(instance=self.instance, run_config=request.run_config, tags=request.tags,
                                            asset_selection=request.asset_selection)
            launched.append(Launched("landing_sensor", request.tags["dagster/asset_partition_range_start"],
                                     frozenset(k.to_user_string() for k in request.asset_selection), 0,
                                     dict(request.tags), result))
        return launched

    def requests(self, name: str, now: datetime) -> list[dg.RunRequest]:
        """One tick of automation sensor `name` at `now` (its cursor carried to the next tick)."""
        sensor = self.defs.resolve_sensor_def(name)
        self.evaluations += 1
        requests, cursor, _ = AutomationTickEvaluationContext(
            evaluation_id=self.evaluations, instance=self.instance, asset_graph=self.defs.resolve_asset_graph(),
            cursor=self.cursors.get(name, AssetDaemonCursor.empty()),
            materialize_run_tags={"dagster/sensor_name": name, **sensor.run_tags}, observe_run_tags={},
            auto_observe_asset_keys=set(), asset_selection=sensor.asset_selection,
            logger=logging.getLogger("automation_ticks"), emit_backfills=sensor.emit_backfills,
            evaluation_time=now).evaluate()
        self.cursors[name] = cursor
        return list(requests)

    def execute(self, sensor: str, request: dg.RunRequest, run_config: dict | None = None) -> Launched:
        """Run `request` in process, as the daemon would launch it (`run_config`: e.g. a test database)."""
        keys = list(request.asset_selection)
        job = self.defs.resolve_implicit_job_def_def_for_assets(keys)
        # as the daemon creates the run (dagster/_core/execution/submit_asset_runs.py): no check key
        # listed means every check of the selected assets
        checks = set(request.asset_check_keys) if request.asset_check_keys else None
        subset = job.get_subset(asset_selection=set(keys), asset_check_selection=checks)
        result = subset.execute_in_process(instance=self.instance, partition_key=request.partition_key,
                                           tags=request.tags, raise_on_error=False, run_config=run_config)
        return Launched(sensor, request.partition_key, frozenset(k.to_user_string() for k in keys),
                        None if checks is None else len(checks), dict(request.tags), result)

    def tick(self, now: datetime) -> list[Launched]:
        """One pass: the landing sensor, then each automation sensor; every requested run executed."""
        launched = self.land()
        for name in self.sensors:
            launched += [self.execute(name, request) for request in self.requests(name, now)]
        return launched
