"""Fixtures: the smoke scenario served by a real simulator subprocess and a real ccxt.binance."""
from __future__ import annotations

from pathlib import Path

import ccxt
import pytest

from simulator.ccxt_hosts import point_at
from simulator.market import World
from simulator.process import SimulatorProcess
from simulator.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SMOKE = SCENARIOS / "smoke.yaml"
DEMO = SCENARIOS / "demo.yaml"
VENUES = SCENARIOS / "venues.yaml"
MINUTE = 60_000


@pytest.fixture(scope="session")
def smoke_path() -> Path:
    return SMOKE


@pytest.fixture(scope="session")
def demo_path() -> Path:
    return DEMO


@pytest.fixture(scope="session")
def smoke_scenario():
    return load_scenario(SMOKE)


@pytest.fixture(scope="session")
def smoke_world(smoke_scenario):
    return World(smoke_scenario)


@pytest.fixture(scope="session")
def t0(smoke_scenario) -> int:
    """00:00 UTC of the smoke scenario's day, epoch ms."""
    return smoke_scenario.day_start_ms


@pytest.fixture(scope="module")
def sim():
    with SimulatorProcess(SMOKE) as process:
        yield process


@pytest.fixture(scope="module")
def binance(sim):
    exchange = ccxt.binance({"enableRateLimit": False,
                             "options": {"fetchMarkets": ["spot"], "fetchCurrencies": False}})
    return point_at(exchange, sim.url)


@pytest.fixture(scope="session")
def venues_path() -> Path:
    return VENUES


@pytest.fixture(scope="session")
def venues_scenario():
    return load_scenario(VENUES)


@pytest.fixture(scope="session")
def venues_world(venues_scenario):
    return World(venues_scenario)


@pytest.fixture(scope="module")
def venues_sim():
    """venues.yaml (9 venues, 42 markets) in a subprocess, virtual clock, rate limits counted only."""
    with SimulatorProcess(VENUES) as process:
        yield process


@pytest.fixture(scope="module")
def exchanges(venues_sim):
    """venue id -> a real sync ccxt instance aimed at `venues_sim`, markets loaded once."""
    from simulator.ccxt_hosts import simulated_exchange
    from simulator.datasets import VENUES as VENUE_IDS

    built = {venue: simulated_exchange(venue, venues_sim.url, enableRateLimit=False) for venue in VENUE_IDS}
    for exchange in built.values():
        exchange.load_markets()
    return built
