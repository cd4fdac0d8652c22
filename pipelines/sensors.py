"""The sensors that watch what lives outside the asset graph: new landing files (landing_sensor), and
failed runs (run_failure_sensor, to the alert route `data`). Default states: config/automation.yaml."""
from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg

from assets.partitions import EXCHANGES, partition_range_tags
from mmwatch.alerts.config import load_alerts_config
from mmwatch.alerts.delivery import send_now
from mmwatch.alerts.messages import runbook_link
from mmwatch.landing.batches import GRACE_NS, LandingCursor, batches_by_day, new_files
from mmwatch.landing.scan import landing_files_since
from pipelines.automation import DEFAULTS, sensor_status
from pipelines.jobs import raw_ingest_job
from pipelines.ticks import EVERY_PASS_S
from resources.data_dir import DataDirResource

# A tick on every pass of the daemon's loop (5 s): a term of the latency budget (pipelines/ticks.py).
LANDING_TICK_S = EVERY_PASS_S


@dg.sensor(job=raw_ingest_job, minimum_interval_seconds=LANDING_TICK_S,
           default_status=sensor_status(DEFAULTS.sensors.landing_sensor))
def landing_sensor(context: dg.SensorEvaluationContext, data_dir: DataDirResource):
    """Gathers all new landing files of every data set and requests one raw_ingest_job run per
    UTC day touched, over the partitions `D|<first exchange>`..`D|<last exchange>`."""
    layout = data_dir.data_dir
    cursor = LandingCursor.parse(context.cursor)
    landed = landing_files_since(layout, cursor.watermark - GRACE_NS)
    fresh, next_cursor = new_files(landed, cursor)
    unknown = sorted({f.exchange for f in fresh} - set(EXCHANGES))
    if unknown:
        context.log.warning(
            f"landing files of exchanges {unknown} are skipped: they are not venues (mmwatch/venues.py); "
            f"the next raw run of their day moves them to the quarantine (docs/runbook.md#quarantine)"
        )
    fresh = [f for f in fresh if f.exchange in EXCHANGES]
    context.update_cursor(next_cursor.serialize())
    if not fresh:
        return dg.SkipReason(f"no new landing files under {layout.landing}")
    return [
        dg.RunRequest(
            run_key=batch.run_key,
            run_config=batch.run_config(),
            tags=partition_range_tags(batch.day, batch.exchanges),
            asset_selection=[dg.AssetKey(asset) for asset in batch.files_by_asset],
        )
        for batch in batches_by_day(fresh)
    ]


def failure_document(job_name: str, run_id: str, error: str | None) -> dict:
    """The message a failed run sends to the data route (not an alert about a market maker)."""
    runbook = runbook_link("run_failure", load_alerts_config().runbook_url)
    text = (f"[mmwatch] run failure: job {job_name} run {run_id} failed: {(error or 'no error message')[:500]}. "
            f"Data-health alert: not a market-maker breach. Runbook: {runbook}")
    return {"event": "run_failure", "rule": "run_failure", "route": "data", "severity": "critical",
            "job_name": job_name, "run_id": run_id, "subject": f"[mmwatch] run failure: {job_name}", "text": text,
            "runbook": runbook, "at": datetime.now(timezone.utc).isoformat()}


@dg.run_failure_sensor(name="run_failure_sensor", minimum_interval_seconds=30,
                       default_status=sensor_status(DEFAULTS.sensors.run_failure_sensor))
def run_failure_sensor(context: dg.RunFailureSensorContext):
    """Send the failure of any run of this code location to the channels routed for rule
    `run_failure` (route `data`, severity critical), with the configured retries."""
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
