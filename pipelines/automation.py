"""The automation sensors: each evaluates the AutomationConditions of one group of assets
(assets/conditions.py) and requests their runs; whether each runs by default comes from
config/automation.yaml (mmwatch/automation.py).

- marts_automation: every dbt model, seed and test, the HTML report, and (switched on, the default)
  the followers: the alert ledger and the published tables (analytics/<mart>) in the marts' own runs,
  right after the marts they read (no run of their own to start: docs/freshness.md); a tick every 5 s;
- a follower switched off in the file (`automation.alerts` / `automation.serving`: stopped, or `auto`
  without its configuration) gets a sensor of its own, stopped (alerts_automation /
  serving_automation): started in the UI, it follows the marts in runs of its own;
- report_automation: report_email at its cron, checked every minute.

One run per requested partition (no backfill objects): a refresh of today and a day close never
share a run, and the pool `warehouse` (pipelines/instance.py) runs them one after the other.
"""
import dagster as dg

from assets.alerts import alerts_ledger
from assets.marts import MART_ASSETS
from assets.report import compliance_report, report_email
from assets.serving import published_marts
from mmwatch.automation import AutomationDefaults, load_automation_defaults

# Seconds between ticks of the automation following new data: a term of the latency budget.
AUTOMATION_TICK_S = 5
REPORT_TICK_S = 60

# `auto` entries decided here, once, from the environment the code location starts in
DEFAULTS = load_automation_defaults().resolved()

# the followers of the marts: (switch in config/automation.yaml, assets, own sensor when switched off)
FOLLOWERS = (("alerts", alerts_ledger, "alerts_automation",
              "alerts_ledger (spec §6 rules, the ledger, delivery) for the day of every marts update"),
             ("serving", published_marts, "serving_automation",
              "published_marts (PostgreSQL analytics) for the day of every marts update"))


def sensor_status(state: str) -> dg.DefaultSensorStatus:
    """`running`/`stopped` of config/automation.yaml as a sensor's default status."""
    return dg.DefaultSensorStatus.RUNNING if state == "running" else dg.DefaultSensorStatus.STOPPED


def _automation(name: str, target: dg.AssetSelection, state: str, interval_s: int,
                description: str) -> dg.AutomationConditionSensorDefinition:
    return dg.AutomationConditionSensorDefinition(
        name, target=target, default_status=sensor_status(state), minimum_interval_seconds=interval_s,
        emit_backfills=False, description=description)


def automation_sensors(defaults: AutomationDefaults) -> list[dg.AutomationConditionSensorDefinition]:
    """The automation sensors for resolved `defaults`: a follower switched on goes in the marts' runs."""
    switches = defaults.automation
    joined = [(assets, text) for switch, assets, _, text in FOLLOWERS if getattr(switches, switch) == "running"]
    marts = dg.AssetSelection.assets(*MART_ASSETS, compliance_report, *(assets for assets, _ in joined))
    sensors = [_automation(
        "marts_automation", marts, switches.marts, AUTOMATION_TICK_S,
        "dbt marts and the HTML report" + "".join(f"; in the same runs, {text}" for _, text in joined)
        + ": today's partition as raw data lands, yesterday's rebuilt in full at the day close (00:15 UTC), "
        "dbt tests with the day close")]
    sensors += [_automation(name, dg.AssetSelection.assets(assets), "stopped", AUTOMATION_TICK_S,
                            f"{text}, in runs of its own (config/automation.yaml switches it off the marts runs)")
                for switch, assets, name, text in FOLLOWERS if getattr(switches, switch) != "running"]
    sensors.append(_automation("report_automation", dg.AssetSelection.assets(report_email), switches.report,
                               REPORT_TICK_S, "report_email: yesterday's, at the groups file's cron, once its "
                               "marts are complete"))
    return sensors


AUTOMATION_SENSORS = automation_sensors(DEFAULTS)
