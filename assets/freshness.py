"""How fresh each lake table and each mart must be: Dagster FreshnessPolicy.time_window per asset.

An asset is expected to materialize once per the interval at which its fastest input arrives (a lake
table: its landing flush or its data set's cadence, from the collection config; a dbt model: the
fastest lake table it reads, directly or not), plus the freshness target (collect -> every mart,
p95 90 s: docs/freshness.md). WARN past that window, FAIL past three times it. raw_fetch_errors gets
no policy: it materializes only when a fetch fails, so its silence is good news.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from functools import cache

import dagster as dg

from mmwatch.schemas import DATASET_TABLES
from resources.market_data import configured_cadences

TARGET_S = 90  # collect -> every mart, p95 (the speed target; docs/freshness.md)
FAIL_FACTOR = 3
LANDED = ("raw_orderbooks", "raw_trades")  # the collector's data sets, landed every landing_flush_s


@cache
def arrival_interval_s() -> dict[str, float]:
    """Lake table -> seconds between two arrivals of its data (read once per process)."""
    cadences, landing_flush_s = configured_cadences()
    intervals = {table: float(landing_flush_s) for table in LANDED}
    intervals.update({table: float(cadences[dataset]) for dataset, (table, _, _) in DATASET_TABLES.items()})
    return intervals


def policy_for(interval_s: float) -> dg.FreshnessPolicy:
    """WARN when nothing materialized for `interval_s` + the target, FAIL at three times that."""
    warn = timedelta(seconds=interval_s + TARGET_S)
    return dg.FreshnessPolicy.time_window(fail_window=warn * FAIL_FACTOR, warn_window=warn)


def freshness_of(lake_tables: Iterable[str]) -> dg.FreshnessPolicy | None:
    """The policy of an asset fed by `lake_tables` (the fastest one sets the pace); None when none of
    them arrives on a cadence (only raw_fetch_errors, or no lake input at all)."""
    intervals = [arrival_interval_s()[t] for t in lake_tables if t in arrival_interval_s()]
    return policy_for(min(intervals)) if intervals else None
