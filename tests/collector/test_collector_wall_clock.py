"""The short version of benchmarks/bench_collector.py: every market of venues.yaml on the wall
clock for about a minute with every venue's rate limit enforced by the simulator. Not a single
rate-limit answer; every market lands a book every cycle; budget use is reported per venue."""
from __future__ import annotations

from pathlib import Path

import polars as pl

from collect_harness import all_markets_config, landed
from mmwatch.collector.service import run_on_wall_clock
from mmwatch.settings import DataDir
from steady_scenario import steady_scenario

VENUES_YAML = Path(__file__).resolve().parents[2] / "scenarios" / "venues.yaml"
SECONDS = 65


def test_a_minute_on_the_wall_clock_without_a_rate_limit_answer(venues_scenario, tmp_path):
    from simulator.process import SimulatorProcess

    config = all_markets_config(venues_scenario)
    with SimulatorProcess(steady_scenario(VENUES_YAML, tmp_path), clock="wall") as sim:
        run = run_on_wall_clock(config, DataDir(tmp_path).ensure(), SECONDS, simulator_url=sim.url)
        stats = sim.stats()
    assert stats["rate_limits_enforced"] is True
    assert {v: (s["rate_limited"], s["banned"]) for v, s in stats["venues"].items()} == {
        v: (0, 0) for v in venues_scenario.venues}
    assert run.errors_by_venue == dict.fromkeys(venues_scenario.venues, 0)
    books = landed(DataDir(tmp_path), "orderbooks")
    per_market = books.group_by("exchange", "symbol").len()
    assert per_market.height == 42 and per_market["len"].min() >= SECONDS // 10  # one book per market every 10 s
    assert books.filter(pl.col("bids").list.len() != 100).is_empty()
    assert run.requests == {v: s["requests"] for v, s in stats["venues"].items()}  # our accounting saw every request
    assert all(0 < share < 0.8 for share in run.peak_budget_share.values())
    assert len(run.budget_lines) == 9 and all("peak" in line for line in run.budget_lines)
