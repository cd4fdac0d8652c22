"""Benchmark: the collector on the wall clock across every venue of scenarios/venues.yaml
(40 markets, books + trades at the default 10 s cadence), against the simulator with each
venue's rate limits enforced.

Prints the simulator's rate-limit answers (must be 0), the request-budget use per venue, and the
collector process's CPU use (target: < 25 % of one core on average).

    .venv/bin/python benchmarks/bench_collector.py [--minutes 10] [--levels 100]
"""
from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

from mmwatch.collector.service import run_on_wall_clock
from mmwatch.config import parse_config
from mmwatch.settings import DataDir
from simulator.process import SimulatorProcess
from simulator.scenario import load_scenario

VENUES_YAML = Path(__file__).resolve().parents[1] / "scenarios" / "venues.yaml"


def venues_config(levels: int = 100):
    """Every market of venues.yaml at the default cadences."""
    scenario = load_scenario(VENUES_YAML)
    return parse_config({"exchanges": {venue_id: {"markets": [m.symbol for m in venue.markets],
                                                  "orderbook_levels": levels}
                                       for venue_id, venue in scenario.venues.items()}})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--levels", type=int, default=100)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    config = venues_config(args.levels)
    markets = sum(len(v.markets) for v in config.exchanges.values())
    with tempfile.TemporaryDirectory() as tmp, SimulatorProcess(VENUES_YAML, clock="wall") as sim:
        run = run_on_wall_clock(config, DataDir(Path(tmp)).ensure(), args.minutes * 60, simulator_url=sim.url)
        stats = sim.stats()
    venues = stats["venues"]
    limited = {v: s["rate_limited"] + s["banned"] for v, s in venues.items()}
    print(f"collector, {markets} markets on {len(config.exchanges)} venues, books ({args.levels} levels) + trades "
          f"every 10 s, {run.seconds:.0f} s wall clock, rate limits enforced: {stats['rate_limits_enforced']}")
    print(f"rate-limit answers from the simulator (429/418/403): {sum(limited.values())}  {limited}")
    print("request-budget use per venue:")
    for line in run.budget_lines:
        print(f"  {line}")
    print(f"rows landed: {run.rows}; fetch errors per venue: {run.errors_by_venue}")
    print(f"requests: {sum(run.requests.values())} ({sum(run.requests.values()) / run.seconds:.1f}/s)")
    print(f"collector CPU: {run.cpu_seconds:.1f} s over {run.seconds:.0f} s = {run.cpu_share:.1%} of one core "
          f"(target < 25 %)")


if __name__ == "__main__":
    main()
