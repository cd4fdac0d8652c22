"""Schedules of the slower data sets: one per data set at its cadence (the config's `cadences`,
defaults from the issue's table: tickers and funding 1 min, open interest, long/short ratios and
contract stats 5 min, fund flow 15 min, candles 1 h).

Each tick requests one run over today's partitions of the configured exchanges (one contiguous
day x exchange range); the first tick after midnight also closes yesterday's partitions, so the
last readings of a day land in that day. They start as config/automation.yaml says
(`schedules.market_data`, stopped in the repository: turn them on once the config points at
reachable venues).

The upkeep schedules (`schedules.lake_upkeep`, running by default): lake_compaction_schedule after the
day close, landing_retention_schedule after it (docs/operations.md).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import dagster as dg

from assets.partitions import EXCHANGES, partition_range_tags
from pipelines.automation import DEFAULTS
from pipelines.jobs import dataset_jobs, lake_compaction_job, landing_retention_job
from resources.market_data import MarketDataResource, configured_cadences


def cron_for(cadence_s: float) -> str:
    """A cron schedule firing every `cadence_s` seconds (rounded to whole minutes, at least one)."""
    minutes = max(1, round(cadence_s / 60))
    if minutes % 1440 == 0:
        return "0 0 * * *"
    if minutes % 60 == 0:
        return f"0 */{minutes // 60} * * *" if minutes > 60 else "0 * * * *"
    return "* * * * *" if minutes == 1 else f"*/{minutes} * * * *"


def days_to_request(tick: datetime, cadence_s: float) -> list[str]:
    """Today's UTC day, and yesterday's as well when the previous tick was before midnight."""
    today = tick.astimezone(timezone.utc).date()
    previous = (tick - timedelta(seconds=cadence_s)).astimezone(timezone.utc).date()
    return [d.isoformat() for d in sorted({previous, today})]


def build_dataset_schedule(name: str, cadence_s: float, running: bool = False) -> dg.ScheduleDefinition:
    """The schedule of data set `name` (a key of pipelines.jobs.dataset_jobs)."""
    job = dataset_jobs[name]
    status = dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED

    @dg.schedule(name=f"{name}_schedule", cron_schedule=cron_for(cadence_s), job=job,
                 execution_timezone="UTC", default_status=status,
                 description=f"{name} every {cadence_s:g} s over today's day x configured-exchange partitions")
    def dataset_schedule(context: dg.ScheduleEvaluationContext, market_data: MarketDataResource):
        configured = [e for e in EXCHANGES if e in market_data.collection_config().exchanges]
        if not configured:
            return dg.SkipReason("no exchange of the collection config is a partition")
        tick = context.scheduled_execution_time or datetime.now(timezone.utc)
        return [dg.RunRequest(run_key=f"{name}-{day}-{tick.isoformat()}", tags=partition_range_tags(day, configured))
                for day in days_to_request(tick, cadence_s)]

    return dataset_schedule


def dataset_schedules(config_path: str | None = None) -> list[dg.ScheduleDefinition]:
    """One schedule per data set at the cadence of the collection config ($MMWATCH_CONFIG, else
    config/example.yaml; the defaults when it does not load)."""
    cadences, _ = configured_cadences(config_path)
    running = DEFAULTS.schedules.market_data == "running"
    return [build_dataset_schedule(name, cadences[name], running) for name in dataset_jobs]


# After the day close (00:15 UTC, assets/conditions.py) has built yesterday; the retention after the compaction.
LAKE_COMPACTION_CRON = "45 0 * * *"
LANDING_RETENTION_CRON = "15 1 * * *"


def upkeep_schedules() -> list[dg.ScheduleDefinition]:
    """Compaction of the closed days' raw partitions, then the landing retention, once a day each."""
    status = dg.DefaultScheduleStatus.RUNNING if DEFAULTS.schedules.lake_upkeep == "running" \
        else dg.DefaultScheduleStatus.STOPPED
    return [
        dg.ScheduleDefinition(name="lake_compaction_schedule", job=lake_compaction_job, cron_schedule=LAKE_COMPACTION_CRON,
                              execution_timezone="UTC", default_status=status,
                              description="the closed days' raw partitions compacted, one file each"),
        dg.ScheduleDefinition(name="landing_retention_schedule", job=landing_retention_job,
                              cron_schedule=LANDING_RETENTION_CRON, execution_timezone="UTC", default_status=status,
                              description="landing files past MMWATCH_LANDING_RETENTION_DAYS dropped once the lake "
                                          "holds their rows"),
    ]
