"""A copy of a scenario whose venues never go down and whose market makers always quote normally.

For tests on the wall clock: the scenarios script daily windows (outages, crossed or one-sided
books, venue down 04:00-04:15 UTC) by time of day, so a test that is not about them would
otherwise fail whenever CI happens to run inside one."""
from __future__ import annotations

from pathlib import Path

import yaml


def steady_scenario(scenario: Path, folder: Path) -> Path:
    """`scenario` without `down` windows, market-maker `schedule` windows or market `events`, in `folder`."""
    data = yaml.safe_load(scenario.read_text())
    for venue in data.get("venues", {}).values():
        venue.pop("down", None)
        for market in venue.get("markets", []):
            market.pop("events", None)
    for maker in data.get("market_makers", []):
        maker.pop("schedule", None)
    path = folder / f"steady-{scenario.name}"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
