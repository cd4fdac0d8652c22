"""The spine end to end: simulator → real ccxt collector → landing → landing sensor → raw
assets → dbt marts, compared with the simulator's ground truth of what it served."""
from __future__ import annotations

import asyncio

import dagster as dg
import duckdb
import pytest

from marts import SMOKE
from marts import assert_marts_equal_truth, truth_days

CADENCE_MS = 20_000  # books every 20 s: several snapshots a minute, so minutes average
SEGMENT_H = 8  # the sensor ticks after every 8 simulated hours
DAY_MS = 86_400_000


def _tick_and_ingest(defs, instance, cursor: str | None) -> tuple[str | None, int]:
    """One landing-sensor tick; every run it requests is executed like the daemon would."""
    from pipelines.sensors import landing_sensor
    from resources.data_dir import DataDirResource

    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"data_dir": DataDirResource()})
    result = landing_sensor(context)
    requests = result if isinstance(result, list) else getattr(result, "run_requests", None) or []
    job = defs.resolve_job_def("raw_ingest_job")
    for request in requests:
        run = job.execute_in_process(instance=instance, run_config=request.run_config, tags=request.tags,
                                     asset_selection=request.asset_selection)
        assert run.success
    return context.cursor, len(requests)


async def _collect(simulator, collector, start_ms: int, end_ms: int) -> None:
    for t_ms in range(start_ms, end_ms, CADENCE_MS):
        simulator.set_clock(t_ms)
        await collector.run_cycle(t_ms)


@pytest.mark.e2e
def test_collected_day_through_sensor_and_dbt_equals_ground_truth(e2e_env, tmp_path):
    from mmwatch.collector.collector import Collector
    from mmwatch.collector.sinks import LandingSink
    from mmwatch.collector.simulated_day import day_start_ms, scenario_config
    from pipelines.definitions import defs
    from pipelines.instance import ensure_instance
    from simulator.process import SimulatorProcess
    from simulator.scenario import load_scenario

    scenario = load_scenario(SMOKE)
    day = scenario.date.isoformat()
    start = day_start_ms(scenario.date)
    obligations = tmp_path / "obligations.csv"
    scenario.write_obligations_csv(obligations)
    instance = ensure_instance(e2e_env)
    sink = LandingSink(e2e_env, background=False)
    cursor, runs = None, 0

    with SimulatorProcess(SMOKE, clock="virtual") as simulator:
        collector = Collector(scenario_config(scenario, CADENCE_MS / 1000), sink, clock=lambda: start,
                              simulator_url=simulator.url, virtual_time=True, trades_since_ms=start)

        async def run_day() -> None:
            nonlocal cursor, runs
            await collector.start()
            try:
                for segment in range(24 // SEGMENT_H):
                    seg_start = start + segment * SEGMENT_H * 3_600_000
                    await _collect(simulator, collector, seg_start, seg_start + SEGMENT_H * 3_600_000)
                    sink.tick(seg_start + SEGMENT_H * 3_600_000 + 60_000)  # completed minutes land
                    cursor, requested = _tick_and_ingest(defs, instance, cursor)
                    runs += requested
                # the first poll of the next day fetches the trades of the day's last minute
                await _collect(simulator, collector, start + DAY_MS, start + DAY_MS + 1)
            finally:
                await collector.close()
                sink.close()

        asyncio.run(run_day())
        truth = simulator.truth()

    cursor, requested = _tick_and_ingest(defs, instance, cursor)  # whatever landed at close
    runs += requested
    _, nothing_new = _tick_and_ingest(defs, instance, cursor)
    assert runs >= 3 and nothing_new == 0  # one run per tick with new files, none when nothing is new

    marts = defs.resolve_job_def("daily_marts_job").execute_in_process(
        instance=instance, partition_key=day,
        run_config={"ops": {"mmwatch_dbt_assets": {"config": {"obligations_csv": str(obligations)}}}})
    assert marts.success

    # the scenario's scripted events really happened and show in the truth
    days = truth_days(truth, day)
    assert days["smoke-btc"]["breach_episodes"] >= 5 and days["smoke-btc"]["invalid_snapshots"] > 0
    assert_marts_equal_truth(e2e_env.warehouse, truth, day)

    # every served trade landed exactly once (trades cursor: none missed, none doubled)
    with duckdb.connect(str(e2e_env.warehouse), read_only=True) as con:
        per_market = dict(con.execute(
            "select symbol, count(*) from read_parquet(?, hive_partitioning=true) group by symbol",
            [str(e2e_env.lake / "raw_trades" / "*" / "*" / "*.parquet")]).fetchall())
    expected = {m.symbol: 1440 * m.trades_per_minute for m in scenario.venues["binance"].markets}
    assert per_market == expected
    # failed fetches (outage, empty body) were recorded, never written as books
    with duckdb.connect() as con:
        errors = {(dataset, cls): n for dataset, cls, n in con.execute(
            "select dataset, error_class, count(*) from read_parquet(?) group by all",
            [str(e2e_env.lake / "raw_fetch_errors" / "*" / "*" / "*.parquet")]).fetchall()}
    assert errors == {
        ("orderbooks", "ExchangeNotAvailable"): 2 * 60_000 // CADENCE_MS,  # 00:25-00:27 outage (HTTP 503)
        ("trades", "ExchangeNotAvailable"): 2,  # the trades polls of 00:25 and 00:26
        ("orderbooks", "EmptyResponse"): 60_000 // CADENCE_MS,  # 00:30-00:31 empty 200 body
    }
