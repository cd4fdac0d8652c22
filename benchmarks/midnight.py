"""The wall-clock tests run across a UTC midnight: each test file in its own pytest, its clock set
a few seconds before midnight (its lead) by libfaketime (Debian package `faketime`), so whatever the file
collects, lands and builds straddles two UTC days. A soak run, not a test: it needs libfaketime and
takes about 9 minutes.

    .venv/bin/python -m benchmarks.midnight [--lead-s S] [FILE ...]

Every process of a file shares the fake clock (FAKETIME_DONT_RESET=1: the simulator and collector
children continue the parent's time instead of starting at the set instant again). Prints one row
per file: pytest's summary line and its wall time.

What libfaketime cannot fake: file-system timestamps stay the kernel's, and a timed wait on a
thread's condition (`threading.Event().wait(1)`) never returns under it (checked). The files in
NOT_UNDER_FAKETIME fail under libfaketime at any hour (checked with the clock at 12:00), so they are
left out of the default list: the health tests' heartbeat judges a landing folder's mtime against
time.time() (mmwatch/landing/scan.py), and the collector-processes supervisor watches its children in
a loop of `Event.wait(WATCH_EVERY_S)` (cli/collect_processes.py). The automation tests skip themselves
between 23:45 and 00:20 UTC (the day close ticks at 00:15): the day close has tests of its own on
Dagster's evaluation clock (tests/dagster/).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# the test files that collect, land or build on the wall clock (simulator clock="wall", a live collector),
# each with its lead: about half its run on a fast machine, so midnight falls inside what it collects
WALL_CLOCK_FILES = {
    "tests/cli/test_collect_interrupt.py": 7,
    "tests/cli/test_collect_stream_cli.py": 5,
    "tests/cli/test_record_then_import.py": 3,
    "tests/collector/test_collector_wall_clock.py": 35,
    "tests/collector/test_stream_all_venues.py": 10,
    "tests/collector/test_stream_binance_faults.py": 9,
    "tests/collector/test_stream_fallback.py": 10,
    "tests/collector/test_stream_rollover_live.py": 9,
    "tests/dagster/test_upkeep_jobs.py": 7,
    "tests/e2e/test_stream_fault_marts.py": 30,  # its fault 25 s into the window: the interval at midnight
    "tests/e2e/test_stream_record_import.py": 35,
    "tests/faults/test_collector_killed.py": 15,
    "tests/health/test_collector_metrics.py": 6,
    "tests/health/test_freshness_alerts.py": 3,
    "tests/simulator_streams/test_ws_binance_family.py": 19,
    "tests/simulator_streams/test_ws_gate_kucoin_live.py": 19,
    "tests/simulator_streams/test_ws_snapshot_venues_live.py": 25,
    "tests/simulator_streams/test_ws_sticky_updates.py": 1,
    "tests/simulator/test_sim_loop_server.py": 1,
    "tests/simulator/test_sim_server.py": 1,
}
NOT_UNDER_FAKETIME = ["tests/health/test_health_wall_clock.py", "tests/cli/test_collect_processes.py"]


def fake_start(lead_s: float) -> str:
    """The instant `lead_s` seconds before the next UTC midnight, as libfaketime's start-at."""
    midnight = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - timedelta(seconds=lead_s)).strftime("@%Y-%m-%d %H:%M:%S")


def run_file(path: str, start: str) -> tuple[str, float]:
    """(pytest's last line, wall seconds) of one test file on the fake clock."""
    env = {**os.environ, "FAKETIME_DONT_RESET": "1", "TZ": "UTC"}
    command = ["faketime", "-f", start, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", path]
    began = time.monotonic()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return (lines[-1] if lines else f"exit {done.returncode}: {done.stderr.strip()[-200:]}"), time.monotonic() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="test files (default: WALL_CLOCK_FILES, each with its lead)")
    parser.add_argument("--lead-s", type=float, help="seconds before midnight every file starts at (default: its own)")
    args = parser.parse_args(argv)
    if shutil.which("faketime") is None:
        print("faketime not found: install Debian's package (apt-get install faketime)", file=sys.stderr)
        return 2
    leads = {path: args.lead_s if args.lead_s is not None else WALL_CLOCK_FILES.get(path, 30)
             for path in args.files or WALL_CLOCK_FILES}
    print("| test file | clock starts at (UTC) | result | wall s |\n|---|---|---|---|")
    failed = 0
    for path, lead_s in leads.items():
        start = fake_start(lead_s)
        summary, seconds = run_file(path, start)
        failed += "failed" in summary or "error" in summary
        print(f"| {path} | {start[1:]} | {summary.strip('= ')} | {seconds:.0f} |", flush=True)
    left_out = ", ".join(NOT_UNDER_FAKETIME)
    print(f"{failed} file(s) with failures; left out (libfaketime cannot run them, see the docstring): {left_out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
