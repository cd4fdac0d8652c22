"""The demo's slower data sets: the Dagster data-set assets (assets/market_data: tickers, funding,
open interest, long/short ratios, fund flow, contract stats, 1 m candles) fetch them through the
real ccxt classes from the demo's simulator, at a few instants of its virtual clock, as their
schedules would through a live day. Each instant is one Dagster run over the day's partitions of
the configured venues: the point-in-time data sets (tickers, funding, current open interest, fund
flow) are read at every instant, the history-only ones (long/short, contract stats, candles) at
the last, from the day's start (a Dagster run costs seconds here, mostly its event log).
"""
from __future__ import annotations

from functools import partial
from pathlib import Path

import duckdb

from mmwatch.config import COLLECTOR_DATASETS, DATASET_NAMES, load_config
from mmwatch.schemas import DATASET_TABLES
from mmwatch.settings import DataDir

HOUR_MS = 3_600_000
READINGS_EVERY_H = 6
MARKET_DATASETS = tuple(name for name in DATASET_NAMES if name not in COLLECTOR_DATASETS)
# read at every instant: readings of "now" (open interest also resumes its 5-minute history)
POINT_IN_TIME = ("tickers", "funding", "open_interest", "fund_flow")


def reading_instants(day_start_ms: int, collected_hours: float, day_hours: float = 24) -> list[int]:
    """When the demo reads the data sets (ms): at the end of the hours collected over HTTP, every
    READINGS_EVERY_H hours after the day's start, and at the last millisecond of the simulated
    hours (so the histories cover all of them)."""
    end = day_start_ms + int(day_hours * HOUR_MS)
    hours = {day_start_ms + int(min(collected_hours, day_hours) * HOUR_MS)}
    hours.update(day_start_ms + h * HOUR_MS for h in range(READINGS_EVERY_H, int(day_hours), READINGS_EVERY_H))
    return sorted({min(t, end - 1) for t in hours} | {end - 1})


def read_market_data(simulator, config_path: Path, layout: DataDir, day: str, instants_ms: list[int], stage) -> None:
    """At each instant: move the simulator's clock there, then one Dagster run (recorded in the data
    dir's instance) of the data-set assets due for `day` x the venues of `config_path`; raises
    MmwatchError when a run fails (pipelines.daily_build.execute_quietly)."""
    import dagster as dg

    from assets.market_data import DATASET_ASSET_BY_NAME
    from assets.partitions import partition_range_tags
    from pipelines.daily_build import QUIET_CONSOLE, execute_quietly
    from pipelines.instance import ensure_instance
    from resources.data_dir import DataDirResource
    from resources.market_data import MarketDataResource

    every_time = [DATASET_ASSET_BY_NAME[name] for name in POINT_IN_TIME]
    all_of_them = [DATASET_ASSET_BY_NAME[name] for name in MARKET_DATASETS]
    resources = {"data_dir": DataDirResource(path=str(layout.root)),
                 # virtual time: no throttle, no retry (the simulator answers at once or not at all)
                 "market_data": MarketDataResource(config_path=str(config_path), simulator_url=simulator.url,
                                                   rate_limit=False, retries=0)}
    venues = list(load_config(config_path).exchanges)
    instance = ensure_instance(layout)
    for index, instant in enumerate(instants_ms, 1):
        simulator.set_clock(instant)
        stage.update(f"reading {index}/{len(instants_ms)}")
        assets = all_of_them if index == len(instants_ms) else every_time
        execute_quietly("the market-data assets", partial(dg.materialize, assets, resources=resources), layout, stage,
                        instance=instance, tags=partition_range_tags(day, venues), run_config=QUIET_CONSOLE)


def lake_rows(layout: DataDir) -> dict[str, int]:
    """Rows per data-set lake table (0 when the table has no file)."""
    counts = {}
    with duckdb.connect() as con:
        for name in MARKET_DATASETS:
            table = DATASET_TABLES[name][0]
            files = list(layout.lake_dir(table).glob("*/*/*.parquet"))
            counts[table] = con.execute("select count(*) from read_parquet(?)", [[str(f) for f in files]]).fetchone()[0] \
                if files else 0
    return counts
