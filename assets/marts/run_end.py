"""marts_refreshed: the last step of every marts run of a day (today's refreshes, the day close,
`mmwatch build`, backfills of daily_marts_job).

It reads the marts' last nodes (the dbt models nothing else reads and the HTML report), so any mart
requested pulls it into the same run, after everything the run builds. While it is queued or running,
no other refresh of that day's marts, nor a run of what follows them (published tables, the alert
ledger), is requested (assets/conditions.py, _marts_run_active): what lands meanwhile goes in one run
after it. It writes nothing; its materialization says when a marts run of the day ended, and what it built.
"""
import dagster as dg

from assets.conditions import MARTS_REFRESHED_KEY, ends_marts_runs
from assets.marts.dbt_assets import MARTS_RUN_TAIL_OP_TAGS, MARTS_RUN_TAILS
from assets.partitions import daily_partitions


@dg.asset(
    key=MARTS_REFRESHED_KEY,
    partitions_def=daily_partitions,
    deps=MARTS_RUN_TAILS,
    group_name="automation",  # no mart: a marker the automation reads (group `marts` is the tables)
    op_tags=MARTS_RUN_TAIL_OP_TAGS,  # with the report, before a follower waiting for the warehouse slot
    backfill_policy=dg.BackfillPolicy.multi_run(1),
    automation_condition=ends_marts_runs(),
)
def marts_refreshed(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """A marts run of this day ended: how many assets it materialized before this one."""
    records = context.instance.get_records_for_run(
        context.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    return dg.MaterializeResult(metadata={"assets materialized in the run": dg.MetadataValue.int(len(records))})
