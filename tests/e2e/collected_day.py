"""A simulated day collected over HTTP and built, for the end-to-end tests that compare the marts and
the evidence with the simulator's truth: the real collector (real ccxt classes, hosts pointed at the
simulator) on a virtual clock, a book every `cadence_ms`, then the day built through Dagster (raw,
every dbt mart) with the scenario's obligations."""
from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BOOK_LEVELS = 100  # what the collector asks for (book_request_limit may cap it per venue)
H = 3_600_000


@dataclass(frozen=True)
class CollectedDay:
    layout: object  # mmwatch.settings.DataDir
    truth: dict  # the simulator's ground truth (simulator.truth report)
    scenario: object  # simulator.scenario.Scenario
    day: str
    start_ms: int


async def _collect(simulator, collector, start_ms: int, end_ms: int, cadence_ms: int) -> None:
    await collector.start()
    try:
        for t_ms in range(start_ms, end_ms, cadence_ms):
            simulator.set_clock(t_ms)
            await collector.run_cycle(t_ms)
    finally:
        await collector.close()


def collect_and_build(scenario_path: Path, root: Path, hours: float = 24, cadence_ms: int = 60_000) -> CollectedDay:
    """The scenario's first `hours` collected into <root>/data and built; a whole day also polls once at
    the next day's first instant (the trades of the day's last minute)."""
    from mmwatch.collector.collector import Collector
    from mmwatch.collector.simulated_day import day_start_ms, scenario_config
    from mmwatch.collector.sinks import LandingSink
    from mmwatch.settings import DataDir
    from pipelines.daily_build import run_daily_build
    from simulator.process import SimulatorProcess
    from simulator.scenario import load_scenario

    layout = DataDir.from_env(root / "data").ensure()
    saved = {name: os.environ.get(name) for name in ("DAGSTER_HOME", "MMWATCH_DATA_DIR", "MMWATCH_OBLIGATIONS_CSV")}
    os.environ["DAGSTER_HOME"] = str(layout.dagster_home)
    os.environ.pop("MMWATCH_OBLIGATIONS_CSV", None)
    try:
        scenario = load_scenario(scenario_path)
        day, start = scenario.date.isoformat(), day_start_ms(scenario.date)
        end = start + int(hours * H) + (1 if hours >= 24 else 0)
        obligations = scenario.write_obligations_csv(root / "obligations.csv")
        sink = LandingSink(layout, background=False)
        with SimulatorProcess(scenario_path, clock="virtual") as simulator:
            collector = Collector(scenario_config(scenario, cadence_ms / 1000), sink, clock=lambda: start,
                                  simulator_url=simulator.url, virtual_time=True, trades_since_ms=start)
            asyncio.run(_collect(simulator, collector, start, end, cadence_ms))
            sink.close()
            truth = simulator.truth()
        run_daily_build(day, layout.root, obligations)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return CollectedDay(layout, truth, scenario, day, start)


def served_book(scenario, exchange: str, symbol: str, ts: int) -> tuple[list, list]:
    """(bids, asks) in base units, from the touch, of the book the simulator served for the market at ts."""
    from mmwatch.collector.venues import book_request_limit
    from simulator.book import build_book
    from simulator.market import World

    model = World(scenario).market(exchange, symbol)
    book = build_book(model, ts, book_request_limit(exchange, model.market_type, BOOK_LEVELS))
    return model.base_levels(book.bids), model.base_levels(book.asks)
