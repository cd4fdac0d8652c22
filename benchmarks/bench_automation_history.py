"""Benchmark: what the automation's evaluation history costs the daemon (pipelines/automation_history.py).

A schedule database (Dagster's schema, the embedded storage) is filled with `--hours` of evaluations at
the rate and size measured by bench_freshness at 200 markets (170 a minute, 29 KB each, 22 % of them
requested a run), then the purge that follows every automation tick is timed: Dagster's own (30 days,
no index: it reads the whole table) and mmwatch's (requested 24 h, others 1 h, by index).

    python -m benchmarks.bench_automation_history --hours 1
"""
from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as db
from dagster._core.storage.schedules.schema import AssetDaemonAssetEvaluationsTable
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage

from pipelines.automation_history import HistoryRetention
from pipelines.dagster_storage import CachedEngineScheduleStorage

ROWS_PER_MINUTE, BODY_BYTES, REQUESTED_SHARE = 170, 29_000, 0.22


def fill(storage: SqliteScheduleStorage, hours: float, now: datetime) -> int:
    """`hours` of evaluations ending at `now`, in batches of a minute; the rows written."""
    body = "x" * BODY_BYTES
    rows = 0
    table = AssetDaemonAssetEvaluationsTable
    random.seed(1)
    for minute in range(int(hours * 60)):
        at = now - timedelta(minutes=minute)
        batch = [{"evaluation_id": minute, "asset_key": f'["m{i}"]', "asset_evaluation_body": body,
                  "num_requested": int(random.random() < REQUESTED_SHARE), "num_skipped": 0, "num_discarded": 0,
                  "create_timestamp": at.replace(tzinfo=None)} for i in range(ROWS_PER_MINUTE)]
        with storage.connect() as conn:
            conn.execute(table.insert(), batch)
        rows += len(batch)
    return rows


def timed(purge) -> float:
    started = time.perf_counter()
    purge()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=1.0, help="history in the table (default 1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        now = datetime.now(timezone.utc)
        plain = SqliteScheduleStorage.from_local(str(Path(folder) / "plain"))
        rows = fill(plain, args.hours, now)
        size_mb = (Path(folder) / "plain" / "schedules.db").stat().st_size / 1e6
        thirty_days = (now - timedelta(days=30)).timestamp()
        dagster_s = [timed(lambda: plain.purge_asset_evaluations(thirty_days)) for _ in range(3)]

        bounded = CachedEngineScheduleStorage.from_local(str(Path(folder) / "bounded"))
        bounded.bound_evaluations(HistoryRetention())
        fill(bounded, args.hours, now)
        first_s = timed(lambda: bounded.purge_now(thirty_days, now.timestamp()))  # creates the indexes
        steady_s = [timed(lambda: bounded.purge_now(thirty_days, now.timestamp() + 60 * i)) for i in range(1, 4)]
        with bounded.connect() as conn:
            kept = conn.execute(db.select(db.func.count()).select_from(AssetDaemonAssetEvaluationsTable)).scalar()
    print(f"{args.hours:g} h of evaluations: {rows:,} rows, {size_mb:,.0f} MB")
    print(f"Dagster's purge after each tick (nothing past 30 days, full scan): "
          f"{' / '.join(f'{s * 1000:.0f}' for s in dagster_s)} ms")
    print(f"mmwatch's purge: first (builds the two indexes, deletes what is past 1 h / 24 h) {first_s * 1000:.0f} ms; "
          f"then, a minute apart: {' / '.join(f'{s * 1000:.0f}' for s in steady_s)} ms"
          f"; rows kept {kept:,}")


if __name__ == "__main__":
    main()
