"""Sample a scenario's markets at a fixed interval without HTTP, as a collector would.

Used to design scenarios (`mmwatch simulator truth`) and to check their verdicts in tests:
the books are exactly those the server would serve at the same instants.
"""
from __future__ import annotations

from simulator.market import World
from simulator.price_path import DAY_MS
from simulator.scenario import Scenario
from simulator.truth import TruthRecorder
from simulator.venue import VenueContext


def sample(scenario: Scenario, every_ms: int = 10_000, start_ms: int | None = None,
           end_ms: int | None = None, limit: int = 100) -> TruthRecorder:
    """Record every market's book at start_ms, start_ms + every_ms, ... < end_ms (default: the
    scenario's whole day) and return the recorder; outage and empty-body instants are skipped."""
    world = World(scenario)
    truth = TruthRecorder(scenario.obligations)
    start = scenario.day_start_ms if start_ms is None else start_ms
    end = start + DAY_MS if end_ms is None else end_ms
    models = list(world.markets.values())
    for t_ms in range(start, end, every_ms):
        for model in models:
            VenueContext(world, model.venue, t_ms, truth).serve_book(model, limit)
    return truth


def verdict_table(report: dict) -> list[dict]:
    """One flat row per obligation and day (no episodes) from a truth report, for printing."""
    rows = []
    for obligation in report["obligations"]:
        for day in obligation["days"]:
            rows.append({"mm_name": obligation["mm_name"], "symbol": obligation["symbol"],
                         **{k: v for k, v in day.items() if k != "episodes"}})
    return rows
