"""alerts_ledger: one day of the spec §6 rules over the marts, the changes recorded in the ledger
(schema `alerts` of warehouse.duckdb) and the pending notifications delivered. It follows every
marts update of its day; today's partition evaluates only what can have changed since its previous
evaluation, any other day (or a run tagged mmwatch/full_rebuild=true) the whole day. It holds the
`warehouse` pool: it never writes the warehouse while dbt (or a reader that must not race it) runs."""

from typing import Optional

import dagster as dg

from assets.conditions import follows_marts
from assets.marts.dbt_assets import FOLLOWER_OP_TAGS, WAREHOUSE_POOL
from assets.partitions import daily_partitions
from assets.refresh import appends
from mmwatch.alerts.config import load_alerts_config
from mmwatch.alerts.evaluate import RULE_TABLES
from mmwatch.alerts.service import run_alert_cycle
from mmwatch.days import utc_today
from resources.data_dir import DataDirResource
from resources.smtp import SmtpResource

# the marts the rules read (a rule whose marts are missing is skipped and reported)
ALERT_INPUTS = sorted({table for tables in RULE_TABLES.values() for table in tables})


class AlertsLedgerConfig(dg.Config):
    config_path: Optional[str] = None  # default $MMWATCH_ALERTS_CONFIG, else the spec defaults and no channel
    full: Optional[bool] = None  # None: by the refresh contract (today since its last evaluation, else whole)


@dg.asset(
    partitions_def=daily_partitions,
    deps=[dg.AssetKey(table) for table in ALERT_INPUTS],
    group_name="alerts",
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    op_tags=FOLLOWER_OP_TAGS,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
    automation_condition=follows_marts(),
)
def alerts_ledger(context: dg.AssetExecutionContext, config: AlertsLedgerConfig, data_dir: DataDirResource,
                  smtp: SmtpResource) -> dg.MaterializeResult:
    """Evaluate the rules for the partition's day, sync the alert ledger, notify."""
    day = context.partition_key
    full = config.full if config.full is not None else not appends(day, context.run.tags, utc_today().isoformat())
    cycle = run_alert_cycle(data_dir.data_dir.warehouse, day, load_alerts_config(config.config_path),
                            smtp=smtp.settings(), full=full)
    evaluation, report = cycle.evaluation, cycle.delivery
    for rule, reason in evaluation.skipped_rules.items():
        context.log.warning(f"rule {rule} skipped: {reason}")
    if report and report.failed_channels:
        context.log.warning(f"undelivered (retried next cycle): {report.failed_channels}")
    return dg.MaterializeResult(metadata={
        "day": day, "evaluated": "whole day" if full else "since the previous evaluation",
        "as_of": str(evaluation.as_of), "markets": evaluation.markets,
        "episodes": len(evaluation.episodes), "changes": len(cycle.changes),
        "sent": report.sent if report else 0, "pending": report.failed if report else 0,
        "seconds": round(cycle.seconds, 3)})
