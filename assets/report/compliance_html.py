"""compliance_report: the daily HTML report, from fct_mm_compliance_daily."""

import dagster as dg

from assets.conditions import with_marts
from assets.marts.dbt_assets import MARTS_RUN_TAIL_OP_TAGS, WAREHOUSE_POOL
from assets.partitions import daily_partitions
from mmwatch.files import write_text_atomically
from mmwatch.report import load_compliance_rows, render_compliance_html
from resources.data_dir import DataDirResource


@dg.asset(
    partitions_def=daily_partitions,
    deps=[dg.AssetKey("fct_mm_compliance_daily")],
    group_name="reports",
    kinds={"html"},
    pool=WAREHOUSE_POOL,  # reads warehouse.duckdb: never while dbt writes it
    op_tags=MARTS_RUN_TAIL_OP_TAGS,  # right after the run's dbt step, before waiting followers
    backfill_policy=dg.BackfillPolicy.multi_run(1),
    automation_condition=with_marts(),  # in the marts' own run: today's refreshes and the day close
)
def compliance_report(context: dg.AssetExecutionContext, data_dir: DataDirResource) -> dg.MaterializeResult:
    """reports/compliance-<day>.html: one row per obligation with verdict, uptime, coverage, breaches."""
    layout = data_dir.data_dir.ensure()
    day = context.partition_key
    rows = load_compliance_rows(layout.warehouse, day)
    html = render_compliance_html(day, rows, str(layout.warehouse))
    path = layout.reports / f"compliance-{day}.html"
    write_text_atomically(path, html)
    verdicts = {v: sum(1 for r in rows if r.verdict == v) for v in ("pass", "fail", "insufficient_data")}
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "obligations": dg.MetadataValue.int(len(rows)),
            "passed": dg.MetadataValue.int(verdicts["pass"]),
            "failed": dg.MetadataValue.int(verdicts["fail"]),
            "insufficient_data": dg.MetadataValue.int(verdicts["insufficient_data"]),
            "bytes": dg.MetadataValue.int(path.stat().st_size),
            "verdicts": dg.MetadataValue.md(
                "| obligation | MM | market | verdict | uptime % |\n|---|---|---|---|---|\n"
                + "\n".join(
                    f"| {r.obligation_id} | {r.mm_name} | {r.exchange} {r.symbol} | {r.verdict} | "
                    f"{'—' if r.uptime_pct is None else f'{r.uptime_pct:.2f}'} |"
                    for r in rows
                )
            ),
        }
    )
