"""Run scenarios/marts_joint.yaml through the real path once: simulator -> ccxt collector ->
landing -> landing sensor -> raw assets -> dbt marts (daily_marts_job), and read back what
landed in the lake (the books and trades the simulator served) for Python-side expectations."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import yaml

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "marts_joint.yaml"
CADENCE_MS = 10_000
MINUTES = 30  # 00:00-00:30 of the scenario day
FUNDING_EVERY_MS = 300_000  # the raw_funding asset reads the perp's funding every 5 minutes


@dataclass
class JointRun:
    scenario: object  # simulator.scenario.Scenario
    day: str
    start_ms: int
    warehouse: Path
    lake: Path

    def marts(self, sql: str, params: list | None = None) -> list[dict]:
        return _rows(duckdb.connect(str(self.warehouse), read_only=True), sql, params)

    def lake_rows(self, table: str, sql: str = "select * from lake") -> list[dict]:
        """Rows of lake table `table` (all files), queried as `lake`."""
        con = duckdb.connect()
        con.execute(f"create view lake as select * from read_parquet('{self.lake / table}/*/*/*.parquet', "
                    "hive_partitioning = true)")
        return _rows(con, sql)


def _rows(con, sql: str, params: list | None = None) -> list[dict]:
    with con:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def _ingest(defs, instance) -> int:
    """One landing-sensor tick; each run it requests is executed like the daemon would."""
    from pipelines.sensors import landing_sensor
    from resources.data_dir import DataDirResource

    context = dg.build_sensor_context(instance=instance, cursor=None, resources={"data_dir": DataDirResource()})
    result = landing_sensor(context)
    requests = result if isinstance(result, list) else getattr(result, "run_requests", None) or []
    job = defs.resolve_job_def("raw_ingest_job")
    for request in requests:
        assert job.execute_in_process(instance=instance, run_config=request.run_config, tags=request.tags,
                                      asset_selection=request.asset_selection).success
    return len(requests)


def _read_funding(layout, config_path: Path, day: str) -> None:
    """Materialize the raw_funding data-set asset for bybit at the simulator's current clock."""
    from assets.market_data.funding import raw_funding
    from resources.market_data import MarketDataResource
    from assets.partitions import partition_range_tags
    from resources.data_dir import DataDirResource

    assert dg.materialize(
        [raw_funding], tags=partition_range_tags(day, ["bybit"]), instance=dg.DagsterInstance.ephemeral(),
        resources={"data_dir": DataDirResource(path=str(layout.root)),
                   "market_data": MarketDataResource(config_path=str(config_path), rate_limit=False, retries=0)},
    ).success


def run_joint_scenario(layout, obligations_csv: Path) -> JointRun:
    """Collect the first MINUTES of the scenario day over HTTP and build the day's marts."""
    from mmwatch.collector.collector import Collector
    from mmwatch.collector.sinks import LandingSink
    from mmwatch.collector.simulated_day import day_start_ms, scenario_config
    from pipelines.definitions import defs
    from pipelines.instance import ensure_instance
    from simulator.process import SimulatorProcess
    from simulator.scenario import load_scenario

    scenario = load_scenario(SCENARIO)
    day, start = scenario.date.isoformat(), day_start_ms(scenario.date)
    end = start + MINUTES * 60_000
    scenario.write_obligations_csv(obligations_csv)
    instance = ensure_instance(layout)
    sink = LandingSink(layout, background=False)
    with SimulatorProcess(SCENARIO, clock="virtual") as simulator:
        config_path = obligations_csv.with_name("collection.yaml")
        config_path.write_text(yaml.safe_dump({"simulator_url": simulator.url, "exchanges": {
            venue: {"markets": [m.symbol for m in spec.markets]} for venue, spec in scenario.venues.items()}}))
        collector = Collector(scenario_config(scenario, CADENCE_MS / 1000), sink, clock=lambda: start,
                              simulator_url=simulator.url, virtual_time=True, trades_since_ms=start)

        async def collect() -> None:
            await collector.start()
            try:
                for t_ms in range(start, end + 1, CADENCE_MS):  # the last poll fetches 00:29's trades
                    simulator.set_clock(t_ms)
                    await collector.run_cycle(t_ms)
                    if (t_ms - start) % FUNDING_EVERY_MS == 0:
                        _read_funding(layout, config_path, day)
            finally:
                await collector.close()
                sink.close()

        asyncio.run(collect())
    assert _ingest(defs, instance) >= 1
    marts = defs.resolve_job_def("daily_marts_job").execute_in_process(
        instance=instance, partition_key=day,
        run_config={"ops": {"mmwatch_dbt_assets": {"config": {"obligations_csv": str(obligations_csv)}}}})
    assert marts.success
    return JointRun(scenario, day, start, layout.warehouse, layout.lake)
