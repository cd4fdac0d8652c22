"""intraday_marts_sensor: today's marts (intraday_marts_job) after each successful raw run of today.

The decision is pipelines/intraday_plan.py; this module reads the runs it needs from the instance.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone

import dagster as dg

from pipelines.intraday_jobs import intraday_marts_job
from mmwatch.days import utc_day_of_ms
from pipelines.intraday_plan import IN_FLIGHT_STATUSES, RunView, day_of_run_tags, plan_intraday
from pipelines.jobs import MART_JOBS, raw_ingest_job

# Seconds between ticks: a term of the latency budget (docs/freshness.md).
INTRADAY_TICK_S = 10
_RECENT = 25  # newest runs read per query: more than the runs of a few ticks


def _view(record: dg.RunRecord) -> RunView:
    run = record.dagster_run
    return RunView(run.run_id, run.job_name, run.status.value, day_of_run_tags(run.tags),
                   record.start_time, record.end_time)


def _records(instance: dg.DagsterInstance, **filters) -> list[RunView]:
    return [_view(r) for r in instance.get_run_records(filters=dg.RunsFilter(**filters), limit=_RECENT)]


def recent_runs(instance: dg.DagsterInstance, today: str) -> tuple[list[RunView], list[RunView]]:
    """(successful raw runs updated since today's midnight, marts runs in flight or of today)."""
    midnight = datetime.fromisoformat(today).replace(tzinfo=timezone.utc)
    raw = _records(instance, job_name=raw_ingest_job.name, statuses=[dg.DagsterRunStatus.SUCCESS],
                   updated_after=midnight)
    in_flight = [dg.DagsterRunStatus(s) for s in IN_FLIGHT_STATUSES]
    marts: list[RunView] = []
    for job in MART_JOBS:
        marts += _records(instance, job_name=job.name, statuses=in_flight)
        marts += _records(instance, job_name=job.name, statuses=[dg.DagsterRunStatus.SUCCESS],
                          tags={"dagster/partition": today})
    return raw, marts


def build_intraday_marts_sensor(clock: Callable[[], float] = time.time) -> dg.SensorDefinition:
    """The sensor; `clock` (Unix seconds) decides which day is today (tests pin it)."""

    @dg.sensor(name="intraday_marts_sensor", job=intraday_marts_job, minimum_interval_seconds=INTRADAY_TICK_S,
               default_status=dg.DefaultSensorStatus.RUNNING)
    def intraday_marts_sensor(context: dg.SensorEvaluationContext):
        """Requests one intraday_marts_job run for today's UTC day when a raw run of today ended after
        today's marts last started and no marts run is queued or in progress. Never a past day."""
        today = utc_day_of_ms(int(clock() * 1000))
        decision = plan_intraday(today, *recent_runs(context.instance, today))
        if not decision.request:
            return dg.SkipReason(decision.reason)
        context.log.info(decision.reason)
        return dg.RunRequest(run_key=decision.run_key, partition_key=today)

    return intraday_marts_sensor


intraday_marts_sensor = build_intraday_marts_sensor()
