"""Fixtures of the data-set tests: the venues.yaml scenario, its world, and the simulator serving it in
a subprocess (helpers: datasets_runs.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

VENUES_YAML = Path(__file__).resolve().parents[2] / "scenarios" / "venues.yaml"


@pytest.fixture(scope="session")
def scenario():
    from simulator.scenario import load_scenario

    return load_scenario(VENUES_YAML)


@pytest.fixture(scope="session")
def world(scenario):
    from simulator.market import World

    return World(scenario)


@pytest.fixture(scope="module")
def sim():
    from simulator.process import SimulatorProcess

    with SimulatorProcess(VENUES_YAML) as process:
        yield process
