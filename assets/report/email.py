"""report_email: the daily compliance report per recipient group, rendered and sent once; due at the
groups file's cron (default 07:00 UTC) for yesterday, once yesterday's marts are complete."""

from typing import Optional

import dagster as dg

from assets.conditions import report_due
from assets.marts.dbt_assets import WAREHOUSE_POOL
from assets.partitions import daily_partitions
from mmwatch.errors import ConfigError
from mmwatch.report.groups import ReportSchedule, load_groups
from mmwatch.report.ledger import LEDGER_FILE, ReportLedger
from resources.data_dir import DataDirResource
from resources.smtp import SmtpResource

# The marts the report reads; dim_obligations: whether each obligation's market ever landed a book;
# fct_liquidity_minute: the failing markets' depth by band over the day.
REPORT_MARTS = ("fct_mm_compliance_daily", "fct_mm_breach_episodes", "fct_orderbook_snapshot_metrics", "dim_obligations",
                "fct_liquidity_minute")


def configured_schedule() -> ReportSchedule:
    """The report cron of the groups file; the default (07:00 UTC) when the file does not load, so a
    bad file never takes the code location down: the report run says what is wrong with it."""
    try:
        return load_groups().schedule
    except ConfigError:
        return ReportSchedule()


SCHEDULE = configured_schedule()


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
    automation_condition=report_due(SCHEDULE.cron, SCHEDULE.timezone),
)
def report_email(context: dg.AssetExecutionContext, config: ReportEmailConfig, data_dir: DataDirResource,
                 smtp: SmtpResource) -> dg.MaterializeResult:
    """reports/<day>/<group>/compliance-<day>-<group>.{html,txt,csv,pdf,eml} per group, each sent once
    (ledger reports/sent.sqlite3). A failed send fails the run after every group was tried."""
    from mmwatch.report.delivery import FAILED, run_reports  # on use: charts and PDF (matplotlib, fpdf) cost
    layout = data_dir.data_dir.ensure()                       # ~0.5 s to import in every run process
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
