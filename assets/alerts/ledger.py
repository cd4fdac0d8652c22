"""The alert cycle as a Dagster job: evaluate one day of the marts, record changes in the ledger
(schema `alerts` of warehouse.duckdb), deliver pending notifications. The op holds the `warehouse`
pool, so it never writes the warehouse while dbt (or another reader that must not race it) runs."""

from typing import Optional

import dagster as dg

from assets.marts.dbt_assets import WAREHOUSE_POOL
from resources.data_dir import DataDirResource
from resources.smtp import SmtpResource


class AlertCycleConfig(dg.Config):
    day: str  # UTC day YYYY-MM-DD
    config_path: Optional[str] = None  # default $MMWATCH_ALERTS_CONFIG
    full: bool = False  # re-evaluate the whole day (after a daily rebuild), else since the last cycle


@dg.op(pool=WAREHOUSE_POOL, description="Evaluate the spec §6 rules for one day, sync the alert ledger, notify.")
def evaluate_alerts(context: dg.OpExecutionContext, config: AlertCycleConfig, data_dir: DataDirResource,
                    smtp: SmtpResource) -> dg.Output:
    from mmwatch.alerts.config import load_alerts_config
    from mmwatch.alerts.service import run_alert_cycle

    cycle = run_alert_cycle(data_dir.data_dir.warehouse, config.day, load_alerts_config(config.config_path),
                            smtp=smtp.settings(), full=config.full)
    evaluation, report = cycle.evaluation, cycle.delivery
    for rule, reason in evaluation.skipped_rules.items():
        context.log.warning(f"rule {rule} skipped: {reason}")
    if report and report.failed_channels:
        context.log.warning(f"undelivered (retried next cycle): {report.failed_channels}")
    return dg.Output(None, metadata={
        "day": config.day, "as_of": str(evaluation.as_of), "markets": evaluation.markets,
        "episodes": len(evaluation.episodes), "changes": len(cycle.changes),
        "sent": report.sent if report else 0, "pending": report.failed if report else 0,
        "seconds": round(cycle.seconds, 3)})


@dg.job(description="One alert cycle for a day (requested by alerts_after_marts after each marts run).",
        executor_def=dg.in_process_executor)
def alerts_evaluation_job():
    evaluate_alerts()
