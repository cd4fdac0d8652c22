"""close_day_schedule: shortly after midnight UTC, yesterday's full daily_marts_job (every mart and the report).

Intraday runs build only today's fast subset (pipelines/intraday_jobs.py); this run closes the day once
its last landing minute has been ingested. It queues behind any marts run (pool `warehouse`, run
granularity: pipelines/instance.py).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import dagster as dg

from pipelines.jobs import daily_marts_job

# 00:15 UTC: the last minute of yesterday has landed (collector flush), been picked up (landing sensor)
# and ingested (raw run) well before.
CLOSE_DAY_CRON = "15 0 * * *"


def day_before(tick: datetime) -> str:
    """The UTC day before `tick`."""
    return (tick.astimezone(timezone.utc) - timedelta(days=1)).date().isoformat()


@dg.schedule(job=daily_marts_job, cron_schedule=CLOSE_DAY_CRON, execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Yesterday's marts in full and its report, once its last data has landed")
def close_day_schedule(context: dg.ScheduleEvaluationContext):
    tick = context.scheduled_execution_time or datetime.now(timezone.utc)
    day = day_before(tick)
    return dg.RunRequest(run_key=f"close-day-{day}", partition_key=day)
