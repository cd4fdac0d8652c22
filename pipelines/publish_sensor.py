"""After each successful marts run (pipelines.jobs.MART_JOBS), publish its day (publish_marts_job)."""
import os

import dagster as dg

from assets.serving.published import PUBLISHED_MARTS, published_key
from pipelines.intraday_jobs import INTRADAY_MARTS, intraday_marts_job
from pipelines.jobs import MART_JOBS, publish_marts_job
from resources.postgres import ANALYTICS_DSN_ENV

# An intraday run changes only its marts: publish those (the dims are rebuilt by the daily job).
_INTRADAY_PUBLISHED = [published_key(m.name) for m in PUBLISHED_MARTS if m.name in INTRADAY_MARTS]


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=MART_JOBS,
    request_job=publish_marts_job,
    # running by default where the analytics database is configured (docker-compose sets it)
    default_status=dg.DefaultSensorStatus.RUNNING if os.environ.get(ANALYTICS_DSN_ENV) else dg.DefaultSensorStatus.STOPPED,
)
def publish_after_marts(context: dg.RunStatusSensorContext):
    """One publish run per successful marts run, for the same day (intraday runs: their marts only)."""
    run = context.dagster_run
    day = run.tags.get("dagster/partition")
    if not day:
        return dg.SkipReason(f"run {run.run_id} of {run.job_name} has no day partition")
    selection = _INTRADAY_PUBLISHED if run.job_name == intraday_marts_job.name else None
    return dg.RunRequest(run_key=run.run_id, partition_key=day, asset_selection=selection)
