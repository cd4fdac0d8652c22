"""Helpers of bench_freshness: watch fct_orderbook_snapshot_metrics from outside, and sum up latencies.

The warehouse is read only while no marts run is starting or running (checked in the Dagster
instance): DuckDB lets one process write, and a reader holding the file when dbt opens it would
fail that run. A queued run does not open it yet, and a started one spends seconds (dbt start-up
and parse) before it does, far longer than one read. A snapshot's "first seen" time is the first
such poll after the run that built it: the measured latency is pessimistic by up to one poll
interval (more when the next run starts at once and no poll falls between the two).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

MART_JOB_NAMES = ("daily_marts_job", "intraday_marts_job")


# statuses in which a marts run may have warehouse.duckdb open
_OPEN_STATUSES = ("STARTING", "STARTED", "CANCELING")


def marts_busy(instance: dg.DagsterInstance) -> bool:
    """True while a marts run is starting or running."""
    statuses = [dg.DagsterRunStatus(s) for s in _OPEN_STATUSES]
    return any(instance.get_run_records(dg.RunsFilter(job_name=job, statuses=statuses), limit=1)
               for job in MART_JOB_NAMES)


@dataclass
class MartWatcher:
    """First time each snapshot_id was seen in fct_orderbook_snapshot_metrics."""

    warehouse: Path
    first_seen: dict[str, float] = field(default_factory=dict)
    polls: int = 0
    lock_retries: int = 0

    def poll(self) -> int:
        """Read the snapshot ids once (read-only); returns how many are new (0 when the file is busy)."""
        if not self.warehouse.exists():
            return 0
        try:
            con = duckdb.connect(str(self.warehouse), read_only=True)
        except duckdb.Error:  # the writer holds the lock: try at the next poll
            self.lock_retries += 1
            return 0
        try:
            ids = con.execute("select snapshot_id from fct_orderbook_snapshot_metrics").fetchall()
        except duckdb.CatalogException:  # not built yet
            ids = []
        finally:
            con.close()
        now = time.time()
        self.polls += 1
        new = [i for (i,) in ids if i not in self.first_seen]
        for snapshot_id in new:
            self.first_seen[snapshot_id] = now
        return len(new)


def received_times(lake: Path) -> dict[str, float]:
    """snapshot_id -> first received_ts (Unix seconds) of every valid snapshot in the lake."""
    files = str(lake / "raw_orderbooks" / "**" / "*.parquet")
    if not list((lake / "raw_orderbooks").rglob("*.parquet")):
        return {}
    rows = duckdb.sql(
        f"select snapshot_id, min(received_ts) from read_parquet('{files}', union_by_name=true) "
        "where invalid_reason is null group by snapshot_id"
    ).fetchall()
    return {snapshot_id: received / 1000 for snapshot_id, received in rows}


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile (q in [0, 1]) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def run_summary(instance: dg.DagsterInstance, job: str) -> dict[str, float]:
    """Count, failures and mean / max duration of one job's runs."""
    records = instance.get_run_records(dg.RunsFilter(job_name=job))
    done = [r.end_time - r.start_time for r in records if r.start_time and r.end_time]
    failed = sum(r.dagster_run.status == dg.DagsterRunStatus.FAILURE for r in records)
    return {"runs": len(records), "failed": failed, "mean_s": sum(done) / len(done) if done else 0.0,
            "max_s": max(done, default=0.0)}
