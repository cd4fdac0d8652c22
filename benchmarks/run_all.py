"""Run every benchmark one after another (each in its own process) and print their rows.

    make bench            # or: .venv/bin/python -m benchmarks.run_all [--quick]

Results are recorded by hand in docs/benchmarks.md with the date, the machine and its load:
the machine may be shared, so compare CPU seconds as well as wall time.
"""
from __future__ import annotations

import argparse
import subprocess
import sys

# (module, arguments for a full run, arguments for a quick run)
BENCHMARKS = [
    ("benchmarks.bench_import_raw", [], ["--snapshots", "20000"]),
    ("benchmarks.bench_snapshot_metrics", [], []),
    ("benchmarks.bench_simulated_day", [], ["--hours", "2"]),
    ("benchmarks.bench_simulator", [], ["--requests", "300"]),
    ("benchmarks.bench_marts_day", [], ["--markets", "20", "--trades", "200000"]),
    ("benchmarks.bench_refresh", [], ["--markets", "20", "--trades", "200000"]),
    ("benchmarks.bench_whole_day", [], ["--runs", "1", "--markets", "8"]),
    ("benchmarks.bench_publish", [], ["--markets", "20"]),
    ("benchmarks.bench_metabase_cards", [], ["--days", "7", "--markets", "20", "--runs", "5"]),
    ("benchmarks.bench_alerts", [], ["--markets", "20"]),
    ("benchmarks.bench_report_email", [], ["--obligations", "20", "--groups", "2"]),
    ("benchmarks.bench_freshness", ["--markets", "200"], ["--minutes", "4"]),
    ("benchmarks.bench_raw_runs", [], ["--runs", "30", "--markets", "10"]),
    ("benchmarks.bench_disk_day", [], ["--markets", "5", "--hours", "2", "--batches", "4"]),
    ("benchmarks.bench_stream", [], ["--markets", "16", "--minutes", "1"]),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller inputs, for a smoke run")
    args = parser.parse_args(argv)
    failed = []
    for module, full, quick in BENCHMARKS:
        print(f"\n## {module}", flush=True)
        code = subprocess.call([sys.executable, "-m", module, *(quick if args.quick else full)])
        if code:
            failed.append(module)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
