"""Helpers of bench_freshness: when did each collected snapshot reach each asset, read after the run
from the Dagster instance and the lake (nothing polls the warehouse while runs write it).

A snapshot landed in the lake when the raw run that wrote its file renamed the file into place (the
file's modification time). A marts run that starts after that registers the file in its staging
view and refreshes every mart of the run from it (docs/marts.md, "Refreshes"), so the snapshot is in
a mart when the first materialization of that mart's partition in a run started after the landing
is written; the same for the published tables and the alert ledger, which follow the marts. Latency
= that materialization's time - the snapshot's received_ts.
"""
from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb


@dataclass(frozen=True)
class Landed:
    """A valid snapshot: when the collector received it and when its lake file was written (Unix s)."""

    received: float
    landed: float


def landed_snapshots(lake: Path, day: str) -> dict[str, Landed]:
    """snapshot_id -> Landed, for the valid snapshots of `day` in the lake (the first copy)."""
    files = sorted((lake / "raw_orderbooks" / f"day={day}").rglob("*.parquet"))
    if not files:
        return {}
    mtimes = {str(path): path.stat().st_mtime for path in files}
    rows = duckdb.sql(
        f"select snapshot_id, received_ts, filename from read_parquet({[str(f) for f in files]!r}, "
        "filename = true, union_by_name = true) where invalid_reason is null").fetchall()
    found: dict[str, Landed] = {}
    for snapshot_id, received_ts, filename in rows:
        landed = Landed(received_ts / 1000, mtimes[filename])
        if snapshot_id not in found or landed.landed < found[snapshot_id].landed:
            found[snapshot_id] = landed
    return found


def materializations(instance: dg.DagsterInstance, partition: str) -> dict[str, list[tuple[float, float]]]:
    """asset name -> sorted [(its run's start time, materialization time)] of `partition`."""
    starts = {record.dagster_run.run_id: record.start_time for record in instance.get_run_records()}
    found: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for key in instance.get_asset_keys():
        result = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition]), limit=10_000)
        for record in result.records:
            start = starts.get(record.run_id)
            if start is not None:
                found[key.to_user_string()].append((start, record.timestamp))
    return {name: sorted(times) for name, times in found.items()}


def covered_at(after: float, runs: list[tuple[float, float]]) -> float | None:
    """The first materialization time among `runs` (sorted (run start, materialization time)) of a
    run started at or after `after`; None when none."""
    index = bisect.bisect_left(runs, (after, float("-inf")))
    return runs[index][1] if index < len(runs) else None


def latency(landed: Landed, runs: list[tuple[float, float]]) -> float | None:
    """Seconds from receipt to the first materialization in a run started after the landing; None
    when no such run materialized the asset."""
    at = covered_at(landed.landed, runs)
    return None if at is None else at - landed.received


def follower_latency(landed: Landed, mart_runs: list[list[tuple[float, float]]],
                     runs: list[tuple[float, float]]) -> float | None:
    """Latency to an asset that follows the marts (alert ledger, published tables): its first
    materialization in a run started after every mart of `mart_runs` had the snapshot."""
    marts = [covered_at(landed.landed, mart) for mart in mart_runs]
    if not marts or any(at is None for at in marts):
        return None
    at = covered_at(max(marts), runs)
    return None if at is None else at - landed.received


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile (q in [0, 1]) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def run_summary(instance: dg.DagsterInstance, with_asset) -> dict[str, float]:
    """Count, failures and mean / max duration of the runs whose asset selection satisfies `with_asset`."""
    records = [r for r in instance.get_run_records()
               if any(with_asset(key.to_user_string()) for key in (r.dagster_run.asset_selection or ()))]
    done = [r.end_time - r.start_time for r in records if r.start_time and r.end_time]
    failed = sum(r.dagster_run.status == dg.DagsterRunStatus.FAILURE for r in records)
    return {"runs": len(records), "failed": failed, "mean_s": sum(done) / len(done) if done else 0.0,
            "max_s": max(done, default=0.0)}
