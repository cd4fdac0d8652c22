"""Alerts in the code location: after every successful marts run (pipelines.jobs.MART_JOBS) the
`alerts_after_marts` sensor requests one alert cycle for the run's day; `alerts_on_run_failure`
tells the data-engineer route about any failed run. Both run by default only where an alerts
config is set ($MMWATCH_ALERTS_CONFIG), like the other sensors; otherwise turn them on in the UI."""
from __future__ import annotations

import os
from datetime import datetime, timezone

import dagster as dg

from assets.alerts.evaluation import alerts_evaluation_job
from mmwatch.alerts.config import ALERTS_CONFIG_ENV
from pipelines.jobs import MART_JOBS

_DEFAULT = dg.DefaultSensorStatus.RUNNING if os.environ.get(ALERTS_CONFIG_ENV) else dg.DefaultSensorStatus.STOPPED


@dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, monitored_jobs=MART_JOBS,
                      request_job=alerts_evaluation_job, default_status=_DEFAULT, minimum_interval_seconds=30)
def alerts_after_marts(context: dg.RunStatusSensorContext):
    """One alert cycle per successful marts run, for the run's day (today when it has no partition):
    incremental after an intraday run, the whole day after any other (a daily build may rewrite it)."""
    run = context.dagster_run
    day = run.tags.get("dagster/partition") or datetime.now(timezone.utc).date().isoformat()
    config = {"day": day, "config_path": os.environ.get(ALERTS_CONFIG_ENV), "full": run.job_name != "intraday_marts_job"}
    return dg.RunRequest(run_key=f"alerts-{run.run_id}", run_config={"ops": {"evaluate_alerts": {"config": config}}})


def failure_document(job_name: str, run_id: str, error: str | None) -> dict:
    """The message a failed run sends to the data route (not an alert about a market maker)."""
    text = (f"[mmwatch] run failure: job {job_name} run {run_id} failed: {(error or 'no error message')[:500]}. "
            "Data-health alert: not a market-maker breach.")
    return {"event": "run_failure", "rule": "run_failure", "route": "data", "severity": "critical",
            "job_name": job_name, "run_id": run_id, "subject": f"[mmwatch] run failure: {job_name}", "text": text,
            "at": datetime.now(timezone.utc).isoformat()}


@dg.run_failure_sensor(default_status=_DEFAULT, minimum_interval_seconds=30)
def alerts_on_run_failure(context: dg.RunFailureSensorContext):
    """Send the failure of any run of this code location to the channels routed for rule
    `run_failure` (route `data`, severity critical), with the configured retries."""
    from mmwatch.alerts.config import load_alerts_config
    from mmwatch.alerts.delivery import send_now

    config = load_alerts_config()
    run = context.dagster_run
    error = context.failure_event.message if context.failure_event else None
    channels = config.channels_for("run_failure", "data", "critical")
    if not channels:
        context.log.warning(f"run {run.run_id} failed but no route sends rule run_failure anywhere")
        return
    results = send_now(config, failure_document(run.job_name, run.run_id, error), channels)
    failed = {name: err for name, err in results.items() if err}
    if failed:
        context.log.error(f"run failure of {run.run_id} not delivered to {failed}")


defs = dg.Definitions(jobs=[alerts_evaluation_job], sensors=[alerts_after_marts, alerts_on_run_failure])
