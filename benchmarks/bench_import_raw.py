"""Capture import + raw materialization, end to end: snapshots/s overall and per stage.

Generates a capture once (cached under /tmp: order books with 100 levels a
side on 4 markets of 2 exchanges, one snapshot a second per market, a trade
every fourth snapshot), then times `import_capture` into a fresh data
directory and the raw assets' materialization of the landed partitions
through Dagster (`raw_ingest_job` executed in process on an ephemeral
instance, over the day's exchange range, as `mmwatch build` does). Prints a
markdown row: seconds and snapshots/s per stage and overall, CPU seconds
(this process and its children), peak RSS, the load average (the machine
may be shared: compare CPU seconds and load, not only wall time) and what one
Dagster run costs by itself (a warm run of the job over an empty partition).

    .venv/bin/python -m benchmarks.bench_import_raw [--snapshots 100000] [--levels 100]
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg

from assets.partitions import partition_range_tags
from benchmarks.bench_import import generate
from mmwatch.capture.importer import import_capture
from mmwatch.settings import DataDir
from pipelines.jobs import RAW_ASSETS, raw_ingest_job
from resources.data_dir import DataDirResource

CACHE_DIR = Path(tempfile.gettempdir())
INTERVAL_MS = 1_000  # one snapshot a second per market: 100k snapshots fit in one UTC day
_QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def cached_capture(snapshots: int, levels: int) -> Path:
    """The benchmark capture, generated once (in a child process) and kept in /tmp."""
    path = CACHE_DIR / f"mmwatch-bench-capture-{snapshots}x{levels}.jsonl"
    if not path.exists():
        partial = path.with_suffix(f".{os.getpid()}.partial")
        child = multiprocessing.get_context("spawn").Process(
            target=generate, args=(partial, snapshots, levels), kwargs={"interval_ms": INTERVAL_MS}
        )
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"generating {path} failed (exit code {child.exitcode})")
        partial.rename(path)
    return path


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its waited-for children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshots", type=int, default=100_000)
    parser.add_argument("--levels", type=int, default=100)
    args = parser.parse_args(argv)
    capture = cached_capture(args.snapshots, args.levels)
    with tempfile.TemporaryDirectory(prefix="mmwatch-bench-") as tmp:
        data_dir = DataDir.from_env(Path(tmp) / "data").ensure()
        defs = dg.Definitions(
            assets=RAW_ASSETS, jobs=[raw_ingest_job], resources={"data_dir": DataDirResource(path=str(data_dir.root))}
        )
        job, instance = defs.resolve_job_def("raw_ingest_job"), dg.DagsterInstance.ephemeral()
        # warm-up on an empty partition: the first run in a process pays Dagster's set-up once
        job.execute_in_process(instance=instance, partition_key="2024-01-01|binance", run_config=_QUIET)
        # Dagster's own cost per run: a second run over an empty partition (no landing files)
        overhead_start, overhead_cpu = time.perf_counter(), cpu_seconds()
        job.execute_in_process(instance=instance, partition_key="2024-01-02|binance", run_config=_QUIET)
        overhead_s, overhead_cpu = time.perf_counter() - overhead_start, cpu_seconds() - overhead_cpu
        load_before = os.getloadavg()[0]
        cpu_start, started = cpu_seconds(), time.perf_counter()
        result = import_capture(data_dir, capture)
        imported, cpu_imported = time.perf_counter(), cpu_seconds()
        partitions = sorted({(f.parent.parent.name[4:], f.parent.name[9:]) for f in result.files})
        days = sorted({day for day, _ in partitions})
        written = 0
        for day in days:
            exchanges = [exchange for d, exchange in partitions if d == day]
            run = job.execute_in_process(instance=instance, tags=partition_range_tags(day, exchanges), run_config=_QUIET)
            written += run.asset_materializations_for_node("raw_orderbooks")[0].metadata["rows_written"].value
        finished, cpu_end = time.perf_counter(), cpu_seconds()
    loaded = result.counts.loaded["orderbook"]
    assert loaded == written == args.snapshots, f"expected {args.snapshots} snapshots: loaded {loaded}, lake {written}"
    import_s, raw_s, total_s = imported - started, finished - imported, finished - started
    peak_mb = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    print("| snapshots | levels/side | capture MB | import s | import snap/s | raw s | raw snap/s | total s | "
          "total snap/s | CPU s (import + raw) | peak RSS MB | load avg before/after | Dagster run, empty: s (CPU s) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {loaded:,} | {args.levels} | {capture.stat().st_size / 1e6:.0f} | {import_s:.2f} | {loaded / import_s:,.0f} | "
        f"{raw_s:.2f} | {loaded / raw_s:,.0f} | {total_s:.2f} | {loaded / total_s:,.0f} | "
        f"{cpu_end - cpu_start:.1f} ({cpu_imported - cpu_start:.1f} + {cpu_end - cpu_imported:.1f}) | {peak_mb:,.0f} | "
        f"{load_before:.1f} / {os.getloadavg()[0]:.1f} | {overhead_s:.2f} ({overhead_cpu:.2f}) |"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
