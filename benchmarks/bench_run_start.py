"""Benchmark: how long a run takes to start and end when launched through the code server (the path
of every run the daemon's sensors request), with each start method of pipelines/run_workers.py.

Starts the real dagster-webserver on workspace.yaml (its own code server, runs launched at once),
launches `--runs` runs of a job with nothing to do (landing_retention_job on an empty data directory)
one after the other, and prints per method every run's created -> started and created -> ended
seconds and their medians without the first run (which, with forkserver, starts the forkserver).

    .venv/bin/python -m benchmarks.bench_run_start [--runs 6] [--methods forkserver spawn]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.webserver_process import IMMEDIATE_RUNS, launch_and_wait, webserver_on  # noqa: E402
from pipelines.run_workers import RUN_WORKER_METHODS, RUN_WORKERS_ENV  # noqa: E402

JOB = "landing_retention_job"


def measure(method: str, runs: int) -> list[tuple[float, float]]:
    """(created -> started, created -> ended) of each run, seconds."""
    with tempfile.TemporaryDirectory() as folder, \
            webserver_on(Path(folder), {RUN_WORKERS_ENV: method}, IMMEDIATE_RUNS) as server:
        timings = []
        for _ in range(runs):
            run = launch_and_wait(server.url, JOB)
            if run["status"] != "SUCCESS":
                raise SystemExit(f"a run of {JOB} ended {run['status']} with {RUN_WORKERS_ENV}={method}")
            timings.append((run["startTime"] - run["creationTime"], run["endTime"] - run["creationTime"]))
        return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--methods", nargs="+", default=list(RUN_WORKER_METHODS), choices=RUN_WORKER_METHODS)
    args = parser.parse_args()
    print(f"run start through the code server: {args.runs} runs of {JOB} per method, one after the other")
    print("| method | created -> started, each run (s) | median without the first | created -> ended, median |")
    print("|---|---|---|---|")
    for method in args.methods:
        timings = measure(method, args.runs)
        later = timings[1:] or timings
        print(f"| {method} | {', '.join(f'{started:.2f}' for started, _ in timings)} | "
              f"{statistics.median(s for s, _ in later):.2f} | {statistics.median(e for _, e in later):.2f} |")


if __name__ == "__main__":
    main()
