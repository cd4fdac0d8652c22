"""Marts of the alert scenarios through the project's own path: the simulator writes each scenario's
hours as a capture, `import` lands it, and `run_daily_build` runs raw -> dbt marts in Dagster."""
from __future__ import annotations

import csv
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RULES_SCENARIO = REPO / "scenarios" / "alerts_rules.yaml"
QUIET_SCENARIO = REPO / "scenarios" / "alerts_quiet.yaml"
RULES_HOURS = 10.5  # every scripted event of alerts_rules.yaml, and an hour after the last
QUIET_HOURS = 6.0


def build_scenario_marts(root: Path) -> dict[str, str]:
    """Capture, import and build both scenarios' days into the data directory `root`; returns
    {'rules': day, 'quiet': day}."""
    from mmwatch.capture.importer import import_capture
    from mmwatch.settings import DataDir
    from pipelines.daily_build import run_daily_build
    from simulator.capture_day import capture_day
    from simulator.scenario import load_scenario

    layout = DataDir.from_env(root).ensure()
    scenarios = {"rules": (load_scenario(RULES_SCENARIO), RULES_HOURS), "quiet": (load_scenario(QUIET_SCENARIO), QUIET_HOURS)}
    obligations = root / "obligations.csv"
    rows = []
    for name, (scenario, _) in scenarios.items():
        part = scenario.write_obligations_csv(root / f"obligations-{name}.csv")
        with part.open(newline="", encoding="utf-8") as handle:
            found = list(csv.reader(handle))
        rows = rows or found[:1]
        rows += found[1:]
    with obligations.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    days = {}
    for name, (scenario, hours) in scenarios.items():
        capture = root / f"capture-{name}.jsonl"
        capture_day(scenario, capture, hours=hours)
        import_capture(layout, capture)
        days[name] = scenario.date.isoformat()
        run_daily_build(days[name], layout.root, obligations)
    return days
