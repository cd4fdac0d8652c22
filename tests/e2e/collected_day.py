"""The evidence tests' simulated day (scenarios/evidence_day.yaml): its first four hours collected
over HTTP by the real collector (real ccxt classes of binance and okx, a book a minute) from the
simulator on a virtual clock, then built through Dagster (raw, every dbt mart)."""
from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

EVIDENCE_DAY = Path(__file__).resolve().parents[2] / "scenarios" / "evidence_day.yaml"
CADENCE_MS = 60_000
HOURS = 4
BOOK_LEVELS = 100  # what the collector asks for (book_request_limit may cap it per venue)


@dataclass(frozen=True)
class EvidenceDay:
    layout: object  # mmwatch.settings.DataDir
    truth: dict  # the simulator's ground truth (simulator.truth report)
    scenario: object  # simulator.scenario.Scenario
    day: str
    start_ms: int


async def _collect(simulator, collector, start_ms: int, end_ms: int) -> None:
    await collector.start()
    try:
        for t_ms in range(start_ms, end_ms, CADENCE_MS):
            simulator.set_clock(t_ms)
            await collector.run_cycle(t_ms)
    finally:
        await collector.close()


def collect_and_build(root: Path) -> EvidenceDay:
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
        scenario = load_scenario(EVIDENCE_DAY)
        day, start = scenario.date.isoformat(), day_start_ms(scenario.date)
        obligations = scenario.write_obligations_csv(root / "obligations.csv")
        sink = LandingSink(layout, background=False)
        with SimulatorProcess(EVIDENCE_DAY, clock="virtual") as simulator:
            collector = Collector(scenario_config(scenario, CADENCE_MS / 1000), sink, clock=lambda: start,
                                  simulator_url=simulator.url, virtual_time=True, trades_since_ms=start)
            asyncio.run(_collect(simulator, collector, start, start + HOURS * 3_600_000))
            sink.close()
            truth = simulator.truth()
        run_daily_build(day, layout.root, obligations)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return EvidenceDay(layout, truth, scenario, day, start)


def served_book(scenario, exchange: str, symbol: str, ts: int) -> tuple[list, list]:
    """(bids, asks) in base units, from the touch, of the book the simulator served for the market at ts."""
    from mmwatch.collector.venues import book_request_limit
    from simulator.book import build_book
    from simulator.market import World

    model = World(scenario).market(exchange, symbol)
    book = build_book(model, ts, book_request_limit(exchange, model.market_type, BOOK_LEVELS))
    return model.base_levels(book.bids), model.base_levels(book.asks)
