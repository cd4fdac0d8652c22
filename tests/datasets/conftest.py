"""Fixtures: venues.yaml in a simulator subprocess at 01:00:01.234 and every data-set asset
materialized once, through Dagster, for the day x all exchanges."""
from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml

VENUES_YAML = Path(__file__).resolve().parents[2] / "scenarios" / "venues.yaml"
DAY = "2026-11-20"


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


def write_config(path: Path, scenario, url: str, **venue_overrides) -> Path:
    """A collection config with every market of the scenario, aimed at the simulator."""
    exchanges = {v: {"markets": [m.symbol for m in venue.markets], **venue_overrides.get(v, {})}
                 for v, venue in scenario.venues.items()}
    path.write_text(yaml.safe_dump({"simulator_url": url, "exchanges": exchanges}))
    return path


def materialize(assets: list, data_dir: Path, config_path: Path, exchanges: list[str], day: str = DAY):
    """Materialize data-set assets in one run over the partitions day|min(exchanges) .. day|max(exchanges)
    (a contiguous range in assets.partitions.EXCHANGES order); the result."""
    from resources.market_data import MarketDataResource
    from assets.partitions import partition_range_tags
    from resources.data_dir import DataDirResource

    return dg.materialize(
        assets, tags=partition_range_tags(day, exchanges), instance=dg.DagsterInstance.ephemeral(),
        resources={"data_dir": DataDirResource(path=str(data_dir)),
                   "market_data": MarketDataResource(config_path=str(config_path), rate_limit=False, retries=0)})
