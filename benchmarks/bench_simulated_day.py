"""A whole simulated day, both ways: `capture_day` (no HTTP) and `run_simulated_day` (the real
collector with real ccxt over HTTP on a virtual clock), on scenarios/demo.yaml.

Prints markdown rows: wall seconds, cycles/s, CPU seconds (this process and its children, i.e.
the simulator subprocess, from resource.getrusage) and the load average before and after, so a
run on the shared machine can be read next to one on an idle machine.

    .venv/bin/python -m benchmarks.bench_simulated_day [--hours 24] [--skip capture|collect]
"""
from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Callable

from cli.simulated_day import run_simulated_day
from mmwatch.settings import DataDir
from simulator.capture_day import capture_day
from simulator.price_path import DAY_MS
from simulator.scenario import load_scenario

DEMO = Path(__file__).resolve().parents[1] / "scenarios" / "demo.yaml"
CADENCE_S = 10


def _cpu_seconds() -> tuple[float, float]:
    """(this process, its finished children) CPU seconds, user + system."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _load() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def _measure(name: str, run: Callable[[], int]) -> None:
    load_before, (own, children), started = _load(), _cpu_seconds(), time.perf_counter()
    cycles = run()
    seconds = time.perf_counter() - started
    own_after, children_after = _cpu_seconds()
    own, children = own_after - own, children_after - children
    print(f"| {name} | {seconds:.1f} | {cycles / seconds:.0f} | {own + children:.1f} = {own:.1f} + {children:.1f} "
          f"| {load_before} → {_load()} |", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hours", type=float, default=24, help="collect only the first HOURS over HTTP")
    parser.add_argument("--skip", choices=("capture", "collect"), default=None)
    parser.add_argument("--scenario", type=Path, default=DEMO)
    args = parser.parse_args(argv)
    scenario = load_scenario(args.scenario)
    cycles_per_day = DAY_MS // (CADENCE_S * 1000)
    print(f"{args.scenario.name}: {sum(len(v.markets) for v in scenario.venues.values())} markets, "
          f"{CADENCE_S} s cadence, {os.cpu_count()} cores")
    print("| run | seconds | cycles/s | CPU s = this process + simulator subprocess | load 1/5/15 min before → after |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="mmwatch-bench-day-") as tmp:
        if args.skip != "capture":
            _measure("capture_day, whole day, no HTTP",
                     lambda: capture_day(scenario, Path(tmp) / "day.jsonl") and cycles_per_day)
        if args.skip != "collect":
            _measure(f"run_simulated_day, {args.hours:g} h, ccxt over HTTP",
                     lambda: run_simulated_day(args.scenario, DataDir(Path(tmp) / "data"), cadence_s=CADENCE_S,
                                               hours=args.hours).cycles)


if __name__ == "__main__":
    main()
