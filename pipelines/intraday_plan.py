"""Pure logic of intraday_marts_sensor: should today's marts be built now?

A marts run covers every raw run that ended before it started (dbt reads the lake when it runs).
Today's marts are stale when a successful raw run of today ended after the start of the newest
successful marts run of today. A request is made only when no marts run is queued or in progress
(any day, any marts job: one warehouse writer at a time), so new data arriving meanwhile coalesces
into the one run requested after it: never two marts runs at once, never a queue of them.
"""
from __future__ import annotations

from dataclasses import dataclass

# Run statuses that still hold (or will hold) the warehouse.
IN_FLIGHT_STATUSES = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING")


@dataclass(frozen=True)
class RunView:
    """What the plan needs of one Dagster run."""

    run_id: str
    job: str
    status: str  # DagsterRunStatus name
    day: str | None  # the UTC day the run is for (marts: partition; raw: day of its partition range)
    start_time: float | None
    end_time: float | None


@dataclass(frozen=True)
class Decision:
    """request=True: build today's marts once; run_key de-duplicates requests for one raw state."""

    request: bool
    reason: str
    run_key: str | None = None


def day_of_run_tags(tags: dict[str, str]) -> str | None:
    """The day of a run from its partition tags (`D` or `D|exchange`, single key or range)."""
    key = tags.get("dagster/partition") or tags.get("dagster/asset_partition_range_start")
    return key.split("|", 1)[0] if key else None


def plan_intraday(today: str, raw_runs: list[RunView], mart_runs: list[RunView]) -> Decision:
    """Decide one tick. `raw_runs`: recent raw_ingest_job runs; `mart_runs`: recent runs of every marts
    job (in flight ones included). Past days are never requested: they are built by daily_marts_job."""
    busy = [r for r in mart_runs if r.status in IN_FLIGHT_STATUSES]
    if busy:
        run = busy[0]
        return Decision(False, f"marts run {run.run_id} ({run.job}, {run.day}) is {run.status.lower()}: "
                               f"new raw data waits for the next tick after it ends")
    landed = [r for r in raw_runs if r.day == today and r.status == "SUCCESS" and r.end_time is not None]
    if not landed:
        return Decision(False, f"no successful raw run of today ({today}) yet")
    newest = max(landed, key=lambda r: r.end_time)
    built = [r.start_time for r in mart_runs
             if r.day == today and r.status == "SUCCESS" and r.start_time is not None]
    if built and max(built) >= newest.end_time:
        return Decision(False, f"today's marts ({today}) already include raw run {newest.run_id}")
    return Decision(True, f"raw run {newest.run_id} of {today} is newer than today's marts",
                    run_key=f"intraday-{today}-{newest.run_id}")
