"""The offline demo: one simulated day from the exchange simulator to the compliance report.

1. the real collector (real ccxt classes over HTTP) collects the first hour(s) of the scenario's
   day from the simulator on a virtual clock;
2. the simulator writes the whole day as a capture file, which `import` loads (the collected
   hour and the same hour of the capture are the same snapshots: de-duplicated, not doubled);
3. `build` materializes raw → dbt marts → report through Dagster;
4. the verdicts are compared with the simulator's ground truth.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from mmwatch.settings import DataDir

Echo = Callable[[str], None]


@dataclass(frozen=True)
class TruthCheck:
    """One obligation's verdict from the marts next to the simulator's ground truth."""

    obligation_id: str
    verdict: str
    truth_verdict: str
    uptime_pct: float | None
    truth_uptime_pct: float | None

    @property
    def matches(self) -> bool:
        close = (self.uptime_pct is None and self.truth_uptime_pct is None) or (
            self.uptime_pct is not None and self.truth_uptime_pct is not None
            and abs(self.uptime_pct - self.truth_uptime_pct) < 1e-6)
        return self.verdict == self.truth_verdict and close


def _already_landed(layout: DataDir, day: str) -> bool:
    return any((layout.landing / "orderbooks" / f"day={day}").glob("exchange=*/*.parquet"))


def run_demo(scenario_path: Path, layout: DataDir, collect_hours: float, echo: Echo) -> list[TruthCheck]:
    """Run the whole demo into `layout`; returns the truth comparison (also printed through `echo`)."""
    from mmwatch.capture.importer import import_capture
    from mmwatch.capture.reader import describe_counts
    from cli.simulated_day import run_simulated_day
    from pipelines.daily_build import run_daily_build
    from simulator.capture_day import capture_day
    from simulator.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    day = scenario.date.isoformat()
    layout.ensure()
    obligations = layout.root / "demo" / "obligations.csv"
    obligations.parent.mkdir(parents=True, exist_ok=True)
    scenario.write_obligations_csv(obligations)
    capture = layout.root / "demo" / f"capture-{day}.jsonl"

    if _already_landed(layout, day):
        echo(f"[1/4] landing data for {day} already there (run with --fresh to collect again)")
    else:
        echo(f"[1/4] collecting {collect_hours:g} h of {day} from the simulator with the real ccxt classes ...")
        collected = run_simulated_day(scenario_path, layout, hours=collect_hours)
        echo(f"      {collected.cycles} cycles in {collected.seconds:.1f} s, rows {collected.rows}")
        echo(f"[2/4] the simulator writes the whole day as a capture, then `import` loads it ...")
        started = time.perf_counter()
        captured = capture_day(scenario, capture, progress=echo)
        echo(f"      {captured.orderbooks} books, {captured.trades} trades, "
             f"{captured.skipped_fetches} failed fetches in {time.perf_counter() - started:.1f} s -> {capture}")
        imported = import_capture(layout, capture)
        echo(f"      import: {describe_counts(imported.counts)}")
    echo(f"[3/4] building {day} through Dagster: raw -> dbt marts -> report ...")
    built = run_daily_build(day, layout.root, obligations)
    echo("[4/4] comparing the marts with the simulator's ground truth ...")
    truth = _truth_by_obligation(scenario)
    checks = [TruthCheck(r.obligation_id, r.verdict, truth[r.obligation_id]["verdict"], r.uptime_pct,
                         truth[r.obligation_id]["uptime_pct"]) for r in built.rows]
    _print(checks, echo)
    echo(f"report:    {built.report}")
    echo(f"warehouse: {built.warehouse}")
    echo(f"dagster:   `make dev` (DAGSTER_HOME={layout.dagster_home}) shows these runs, assets and partitions")
    return checks


def _truth_by_obligation(scenario) -> dict[str, dict]:
    from simulator.sampling import sample, verdict_table

    day = scenario.date.isoformat()
    rows = verdict_table(sample(scenario, 10_000).report())
    return {row["obligation_id"]: row for row in rows if str(row["day"]) == day}


def _print(checks: list[TruthCheck], echo: Echo) -> None:
    echo(f"{'obligation':26} {'verdict':18} {'uptime %':>9}  {'truth':18} {'uptime %':>9}  match")
    for c in checks:
        up = "-" if c.uptime_pct is None else f"{c.uptime_pct:.2f}"
        tup = "-" if c.truth_uptime_pct is None else f"{c.truth_uptime_pct:.2f}"
        echo(f"{c.obligation_id:26} {c.verdict:18} {up:>9}  {c.truth_verdict:18} {tup:>9}  "
             f"{'yes' if c.matches else 'NO'}")
