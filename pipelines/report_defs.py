"""The daily report email: report_email_job, its schedule (default 07:00 UTC, from the groups file
or $MMWATCH_REPORT_CRON) and report_after_marts, which sends a report whose marts completed after the
schedule's tick skipped. Both run by default only when $MMWATCH_REPORT_GROUPS names a groups file."""
from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta, timezone

import dagster as dg

from assets.partitions import daily_partitions
from assets.report.email import report_email
from mmwatch.errors import ConfigError
from mmwatch.report.groups import GROUPS_ENV, ReportGroups, ReportSchedule, load_groups
from mmwatch.report.ledger import LEDGER_FILE, ReportLedger
from assets.report.readiness import day_not_ready
from pipelines.jobs import MART_JOBS
from resources.data_dir import DataDirResource

CATCH_UP_DAYS = 3  # report_after_marts sends late reports of at most this many days back
_STATUS = dg.DefaultScheduleStatus.RUNNING if os.environ.get(GROUPS_ENV) else dg.DefaultScheduleStatus.STOPPED

report_email_job = dg.define_asset_job(
    "report_email_job", selection=dg.AssetSelection.assets(report_email), partitions_def=daily_partitions,
    description="Render the day's compliance report per recipient group and send each once.",
    executor_def=dg.in_process_executor,
)


def _configured_schedule() -> ReportSchedule:
    try:
        return load_groups().schedule
    except ConfigError:  # a bad file must not take the code location down: the run will say what is wrong
        return ReportSchedule()


def report_day(tick: datetime) -> str:
    """The day a tick reports: the UTC day before the tick's UTC date."""
    return (tick.astimezone(timezone.utc).date() - timedelta(days=1)).isoformat()


def report_due_at(day: str, schedule: ReportSchedule) -> datetime:
    """The first tick of `schedule` whose report_day is `day`."""
    from dagster._utils.schedules import cron_string_iterator  # no public cron iterator in Dagster 1.13

    day_after = datetime.combine(date.fromisoformat(day) + timedelta(days=1), time(), tzinfo=timezone.utc)
    return next(cron_string_iterator(day_after.timestamp(), schedule.cron, schedule.timezone))


def _waiting(day: str, reason: str) -> dg.SkipReason:
    return dg.SkipReason(f"report of {day} not sent yet: {reason}. report_after_marts sends it when its marts complete.")


SCHEDULE = _configured_schedule()


@dg.schedule(name="daily_report_schedule", cron_schedule=SCHEDULE.cron, execution_timezone=SCHEDULE.timezone,
             job=report_email_job, default_status=_STATUS,
             description="Yesterday's compliance report per group, once its raw partitions and marts are complete.")
def daily_report_schedule(context: dg.ScheduleEvaluationContext, data_dir: DataDirResource):
    day = report_day(context.scheduled_execution_time or datetime.now(timezone.utc))
    reason = day_not_ready(context.instance, data_dir.data_dir, day)
    return _waiting(day, reason) if reason else dg.RunRequest(partition_key=day, tags={"mmwatch/report_day": day})


def unsent_groups(groups: ReportGroups, ledger: ReportLedger, day: str) -> list[str]:
    """Groups with recipients whose report of `day` the ledger has not recorded as sent."""
    sent = {s.group_name for s in ledger.sent(day)}
    return [g.name for g in groups.groups if g.recipients and g.name not in sent]


@dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, monitored_jobs=MART_JOBS, request_job=report_email_job,
                      default_status=dg.DefaultSensorStatus.RUNNING if _STATUS == dg.DefaultScheduleStatus.RUNNING
                      else dg.DefaultSensorStatus.STOPPED)
def report_after_marts(context: dg.RunStatusSensorContext):
    """After a marts run of a recent day whose report is due but unsent, send it (late marts)."""
    from mmwatch.settings import DataDir

    day = context.dagster_run.tags.get("dagster/partition")
    if not day:
        return dg.SkipReason(f"run {context.dagster_run.run_id} has no day partition")
    now, groups = datetime.now(timezone.utc), load_groups()
    due = report_due_at(day, groups.schedule)
    if now < due:
        return dg.SkipReason(f"report of {day} is due at {due.isoformat()}: the schedule sends it")
    if now - due > timedelta(days=CATCH_UP_DAYS):
        return dg.SkipReason(f"report of {day} was due {due.date()}, more than {CATCH_UP_DAYS} days ago: "
                             f"send it by hand with `mmwatch report --date {day} --send`")
    layout = DataDir.from_env()
    if not unsent_groups(groups, ReportLedger(layout.reports / LEDGER_FILE), day):
        return dg.SkipReason(f"report of {day} already sent to every group with recipients")
    reason = day_not_ready(context.instance, layout, day)
    if reason:
        return _waiting(day, reason)
    return dg.RunRequest(run_key=f"report-{context.dagster_run.run_id}", partition_key=day)


defs = dg.Definitions(assets=[report_email], jobs=[report_email_job], schedules=[daily_report_schedule],
                      sensors=[report_after_marts])
