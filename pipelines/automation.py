"""The automation sensors: each evaluates the AutomationConditions of one group of assets
(assets/conditions.py) and requests their runs; whether each runs by default comes from
config/automation.yaml (mmwatch/automation.py).

- marts_automation: every dbt model, seed and test, and the HTML report (today's refresh, the day
  close); a tick on every pass of the daemon's loop (5 s), a term of the freshness budget
  (docs/freshness.md);
- alerts_automation: alerts_ledger after each marts update, every pass;
- serving_automation: published_marts after each marts update, every pass;
- report_automation: report_email at its cron, checked every minute.

One run per requested partition (no backfill objects): a refresh of today and a day close never
share a run, and the pool `warehouse` (pipelines/instance.py) runs them one after the other.
"""
import dagster as dg

from assets.alerts import alerts_ledger
from assets.marts import MART_ASSETS
from assets.report import compliance_report, report_email
from assets.serving import published_marts
from mmwatch.automation import load_automation_defaults
from pipelines.ticks import EVERY_PASS_S

# A tick on every pass of the daemon's loop (5 s): a term of the latency budget (pipelines/ticks.py).
AUTOMATION_TICK_S = EVERY_PASS_S
REPORT_TICK_S = 60

# `auto` entries decided here, once, from the environment the code location starts in
DEFAULTS = load_automation_defaults().resolved()


def sensor_status(state: str) -> dg.DefaultSensorStatus:
    """`running`/`stopped` of config/automation.yaml as a sensor's default status."""
    return dg.DefaultSensorStatus.RUNNING if state == "running" else dg.DefaultSensorStatus.STOPPED


def _automation(name: str, target: dg.AssetSelection, state: str, interval_s: int,
                description: str) -> dg.AutomationConditionSensorDefinition:
    return dg.AutomationConditionSensorDefinition(
        name, target=target, default_status=sensor_status(state), minimum_interval_seconds=interval_s,
        emit_backfills=False, description=description)


AUTOMATION_SENSORS = [
    _automation("marts_automation", dg.AssetSelection.assets(*MART_ASSETS, compliance_report),
                DEFAULTS.automation.marts, AUTOMATION_TICK_S,
                "dbt marts and the HTML report: today's partition as raw data lands, yesterday's rebuilt "
                "in full at the day close (00:15 UTC), dbt tests with the day close"),
    _automation("alerts_automation", dg.AssetSelection.assets(alerts_ledger), DEFAULTS.automation.alerts,
                AUTOMATION_TICK_S, "alerts_ledger: the day of every marts update"),
    _automation("serving_automation", dg.AssetSelection.assets(published_marts), DEFAULTS.automation.serving,
                AUTOMATION_TICK_S, "published_marts (PostgreSQL analytics): the day of every marts update"),
    _automation("report_automation", dg.AssetSelection.assets(report_email), DEFAULTS.automation.report,
                REPORT_TICK_S, "report_email: yesterday's, at the groups file's cron, once its marts are complete"),
]
