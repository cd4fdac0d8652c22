"""Benchmark: how soon a collected snapshot is visible in fct_orderbook_snapshot_metrics (target p95 <= 120 s).

Runs, on the wall clock, the simulator (scenarios/demo.yaml), the real collector (`mmwatch collect`,
binance, 4 markets, books every 10 s) and `dagster-daemon run` over the code location, in a temporary
data directory and DAGSTER_HOME whose sensors are on by default (landing_sensor, intraday_marts_sensor).
The warehouse is polled read-only between marts runs (benchmarks/freshness_probe.py). Prints
p50 / p95 / max of (first seen in the mart - received_ts) over the snapshots received after the warm-up,
the raw and marts runs, and the CPU time of the whole process tree.

    .venv/bin/python benchmarks/bench_freshness.py [--minutes 12] [--flush-s 15] [--poll-s 5]
"""
from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.freshness_probe import MartWatcher, marts_busy, quantile, received_times, run_summary  # noqa: E402
from mmwatch.settings import DataDir  # noqa: E402
from pipelines.instance import ensure_instance  # noqa: E402
from simulator.process import SimulatorProcess  # noqa: E402

SCENARIO = REPO / "scenarios" / "demo.yaml"
BIN = Path(sys.executable).parent


def write_config(folder: Path, flush_s: int) -> Path:
    """config/demo.yaml's markets with the chosen landing flush."""
    config = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())
    config.pop("simulator_url", None)
    config["landing_flush_s"] = flush_s
    path = folder / "collect.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def stop(process: subprocess.Popen, timeout: float = 60) -> None:
    """SIGTERM to the process group we started (the daemon's code server and runs included), then wait."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=12, help="collection time")
    parser.add_argument("--flush-s", type=int, default=15, help="landing_flush_s of the collector")
    parser.add_argument("--poll-s", type=float, default=5)
    parser.add_argument("--warmup-s", type=float, default=90, help="snapshots received earlier are not counted")
    parser.add_argument("--tail-s", type=float, default=240, help="polling after the collector stops")
    args = parser.parse_args()
    # SIGTERM (or Ctrl-C) still stops the collector and the daemon (the `finally` below)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # the daemon's code servers outlive it by their 20 s heartbeat timeout: cleanup must not fail on them
    with tempfile.TemporaryDirectory(prefix="bench-freshness-", ignore_cleanup_errors=True) as tmp, \
            SimulatorProcess(SCENARIO, clock="wall") as sim:
        layout = DataDir(Path(tmp) / "data").ensure()
        # PYTHONPATH: the processes run this tree's code, also from an exported copy of the repository
        env = {**os.environ, "MMWATCH_DATA_DIR": str(layout.root), "DAGSTER_HOME": str(layout.dagster_home),
               "PYTHONPATH": str(REPO)}
        os.environ.update(env)
        instance = ensure_instance(layout)
        config = write_config(Path(tmp), args.flush_s)
        with open(Path(tmp) / "processes.log", "w") as log:
            started = time.time()
            collector = subprocess.Popen(
                [str(BIN / "mmwatch"), "collect", "--config", str(config), "--simulator", sim.url,
                 "--data-dir", str(layout.root), "--duration", str(args.minutes * 60)],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-w", str(REPO / "workspace.yaml")],
                                      cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            watcher = MartWatcher(layout.warehouse)
            try:
                watch(instance, watcher, started, started + args.minutes * 60 + args.tail_s, args.poll_s)
            finally:
                stop(collector)
                stop(daemon)
        report(args, instance, watcher, received_times(layout.lake), started)
        time.sleep(25)


def watch(instance, watcher: MartWatcher, started: float, deadline: float, poll_s: float) -> None:
    """Poll the mart between marts runs until `deadline`, with a progress line a minute."""
    last_report = started
    while time.time() < deadline:
        if not marts_busy(instance):
            watcher.poll()
        if time.time() - last_report >= 60:
            last_report = time.time()
            runs = run_summary(instance, "intraday_marts_job")["runs"]
            print(f"  {last_report - started:5.0f} s: {len(watcher.first_seen)} snapshots in the mart, "
                  f"{runs} intraday runs", flush=True)
        time.sleep(poll_s)


def report(args, instance, watcher: MartWatcher, received: dict[str, float], started: float) -> None:
    """Print the latency percentiles, the runs and the CPU time."""
    collected_until = started + args.minutes * 60
    counted = {sid: ts for sid, ts in received.items() if started + args.warmup_s <= ts <= collected_until}
    latencies = [watcher.first_seen[sid] - ts for sid, ts in counted.items() if sid in watcher.first_seen]
    raw = run_summary(instance, "raw_ingest_job")
    marts = run_summary(instance, "intraday_marts_job")
    daily = run_summary(instance, "daily_marts_job")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu, wall = usage.ru_utime + usage.ru_stime, time.time() - started
    print(f"freshness: collector (landing_flush_s={args.flush_s}) + dagster-daemon, {args.minutes:g} min, "
          f"poll {args.poll_s:g} s, warm-up {args.warmup_s:g} s")
    if latencies:
        print(f"snapshot -> fct_orderbook_snapshot_metrics latency over {len(latencies)} snapshots: "
              f"p50 {quantile(latencies, 0.5):.1f} s, p95 {quantile(latencies, 0.95):.1f} s, "
              f"max {max(latencies):.1f} s (target p95 <= 120 s)")
    print(f"snapshots received in the window but not in the mart by the end: {len(counted) - len(latencies)}")
    print(f"raw_ingest_job: {raw['runs']} runs ({raw['failed']} failed), mean {raw['mean_s']:.1f} s, max {raw['max_s']:.1f} s")
    print(f"intraday_marts_job: {marts['runs']} runs ({marts['failed']} failed), mean {marts['mean_s']:.1f} s, "
          f"max {marts['max_s']:.1f} s; daily_marts_job runs: {daily['runs']}")
    print(f"warehouse polls {watcher.polls}, lock retries {watcher.lock_retries}")
    print(f"CPU (user+sys) of the collector, the daemon, its code servers and runs: {cpu:.0f} s over {wall:.0f} s wall "
          f"= {cpu / wall:.2f} cores (machine shared: wall-time figures are pessimistic)", flush=True)

if __name__ == "__main__":
    main()
