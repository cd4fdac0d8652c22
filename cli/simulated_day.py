"""A simulated day collected by the real collector: starts the exchange simulator on a virtual clock
and hands its URL to `mmwatch.collector.simulated_day.collect_virtual_day` (the library reaches the
simulator through configuration only)."""
from __future__ import annotations

from datetime import date as Date
from pathlib import Path
from typing import Callable

from mmwatch.collector.simulated_day import SimulatedDay, collect_virtual_day, scenario_config
from mmwatch.config import CollectionConfig
from mmwatch.settings import DataDir


def run_simulated_day(scenario_path: str | Path, data_dir: DataDir, day: Date | None = None, cadence_s: float = 10,
                      config: CollectionConfig | None = None, hours: float = 24,
                      progress: Callable[[int, int, float], None] | None = None) -> SimulatedDay:
    """Collect a simulated day (or its first `hours`) into the landing zone of `data_dir`.

    `config` picks markets and cadences (default: every market of the scenario, books every
    `cadence_s`, trades every 60 s); its simulator_url is ignored.
    """
    from simulator.process import SimulatorProcess
    from simulator.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    with SimulatorProcess(scenario_path, clock="virtual") as simulator:
        return collect_virtual_day(simulator.url, config or scenario_config(scenario, cadence_s), data_dir,
                                   day or scenario.date, cadence_s, hours, progress)
