"""A copy of a scenario in which some markets trade busily: for wall-clock tests that need trades in
every short phase they watch (a scenario's own rate can leave a few seconds with none)."""
from __future__ import annotations

from pathlib import Path

import yaml


def busy_scenario(scenario: Path, folder: Path, markets: dict[str, list[str]], trades_per_minute: int) -> Path:
    """`scenario` with `trades_per_minute` on `markets` (venue -> symbols), written in `folder`."""
    data = yaml.safe_load(scenario.read_text())
    for venue, symbols in markets.items():
        for market in data["venues"][venue]["markets"]:
            if market["symbol"] in symbols:
                market["trades_per_minute"] = trades_per_minute
    path = folder / f"busy-{scenario.name}"
    path.write_text(yaml.safe_dump(data))
    return path
