"""Helpers of the data-set tests: a collection config aimed at the simulator, and one Dagster run of
data-set assets over a range of exchange partitions."""
from __future__ import annotations

from pathlib import Path

import dagster as dg
import yaml

DAY = "2026-11-20"


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
