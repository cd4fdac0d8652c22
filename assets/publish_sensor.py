"""After each successful daily_marts_job run, publish its day (publish_marts_job)."""
import os

import dagster as dg

from pipelines.jobs import daily_marts_job, publish_marts_job
from resources.postgres import ANALYTICS_DSN_ENV


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[daily_marts_job],
    request_job=publish_marts_job,
    # running by default where the analytics database is configured (docker-compose sets it)
    default_status=dg.DefaultSensorStatus.RUNNING if os.environ.get(ANALYTICS_DSN_ENV) else dg.DefaultSensorStatus.STOPPED,
)
def publish_after_marts(context: dg.RunStatusSensorContext):
    """One publish run per successful marts run, for the same day."""
    day = context.dagster_run.tags.get("dagster/partition")
    if day:
        return dg.RunRequest(run_key=context.dagster_run.run_id, partition_key=day)
    return dg.SkipReason(f"run {context.dagster_run.run_id} of daily_marts_job has no day partition")
