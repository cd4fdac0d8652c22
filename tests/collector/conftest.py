"""Fixtures: scenarios/venues.yaml (9 venues, 42 markets) served by a simulator subprocess."""
from __future__ import annotations

from pathlib import Path

import pytest

VENUES_YAML = Path(__file__).resolve().parents[2] / "scenarios" / "venues.yaml"


@pytest.fixture(scope="session")
def venues_scenario():
    from simulator.scenario import load_scenario

    return load_scenario(VENUES_YAML)


@pytest.fixture(scope="session")
def venues_world(venues_scenario):
    from simulator.market import World

    return World(venues_scenario)


@pytest.fixture(scope="module")
def venues_sim():
    """venues.yaml in a subprocess on the virtual clock (rate limits counted, not enforced)."""
    from simulator.process import SimulatorProcess

    with SimulatorProcess(VENUES_YAML) as process:
        yield process
