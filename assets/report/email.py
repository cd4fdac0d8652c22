"""report_email: the daily compliance report per recipient group, rendered and sent once."""

from typing import Optional

import dagster as dg

from assets.marts.dbt_assets import WAREHOUSE_POOL
from assets.partitions import daily_partitions
from mmwatch.report.delivery import FAILED, run_reports
from mmwatch.report.groups import load_groups
from mmwatch.report.ledger import LEDGER_FILE, ReportLedger
from assets.report.readiness import REPORT_MARTS
from resources.data_dir import DataDirResource
from resources.smtp import SmtpResource


class ReportEmailConfig(dg.Config):
    groups_file: Optional[str] = None  # default $MMWATCH_REPORT_GROUPS, else config/report_groups.yaml
    group: Optional[str] = None  # one group only
    send: bool = True
    force: bool = False  # send again even when the ledger has the day's report


@dg.asset(
    partitions_def=daily_partitions,
    deps=[dg.AssetKey(mart) for mart in REPORT_MARTS],
    group_name="reports",
    kinds={"email", "pdf"},
    pool=WAREHOUSE_POOL,  # reads warehouse.duckdb: never while dbt writes it
    backfill_policy=dg.BackfillPolicy.multi_run(1),
)
def report_email(context: dg.AssetExecutionContext, config: ReportEmailConfig, data_dir: DataDirResource,
                 smtp: SmtpResource) -> dg.MaterializeResult:
    """reports/<day>/<group>/compliance-<day>-<group>.{html,txt,csv,pdf,eml} per group, each sent once
    (ledger reports/sent.sqlite3). A failed send fails the run after every group was tried."""
    layout = data_dir.data_dir.ensure()
    day = context.partition_key
    groups = load_groups(config.groups_file)
    outcomes = run_reports(layout.warehouse, day, groups.select(config.group), layout.reports,
                           ReportLedger(layout.reports / LEDGER_FILE), send=config.send, force=config.force,
                           settings=smtp.settings() if config.send or config.force else None,
                           progress=context.log.info)
    for outcome in outcomes:
        for warning in outcome.warnings:
            context.log.warning(warning)
    failed = [o for o in outcomes if o.status == FAILED]
    if failed:
        raise dg.Failure(description="; ".join(f"group {o.group}: {o.detail}" for o in failed),
                         metadata={"folders": [str(o.folder) for o in outcomes]})
    table = "| group | status | pass | fail | insufficient data | detail |\n|---|---|---|---|---|---|\n" + "\n".join(
        f"| {o.group} | {o.status} | {o.counts['pass']} | {o.counts['fail']} | {o.counts['insufficient_data']} | {o.detail} |"
        for o in outcomes)
    return dg.MaterializeResult(metadata={
        "groups": dg.MetadataValue.md(table),
        "sent": dg.MetadataValue.int(sum(o.status == "sent" for o in outcomes)),
        "folder": dg.MetadataValue.path(str(layout.reports / day)),
        "groups_file": dg.MetadataValue.text(groups.source),
    })
