"""The dbt marts published into PostgreSQL `analytics.marts`: one asset per mart, group `serving`, each
following its mart (the day of every marts update is published)."""
import dagster as dg

from assets.alerts.ledger import alerts_ledger
from assets.conditions import follows_marts
from assets.marts.dbt_assets import FOLLOWER_OP_TAGS, WAREHOUSE_POOL
from assets.partitions import daily_partitions
from mmwatch.serving.outage import publishing_to
from mmwatch.serving.publish import ALERT_LEDGER, MartTable, marts_from_manifest, publish_marts
from resources.data_dir import DataDirResource
from resources.dbt import dbt_project
from resources.postgres import AnalyticsPostgresResource

PUBLISHED_MARTS: list[MartTable] = marts_from_manifest(dbt_project.manifest_path)


def published_key(mart: str) -> dg.AssetKey:
    """Asset key of a mart's published copy: analytics/<mart>."""
    return dg.AssetKey(["analytics", mart])


def source_key(mart: MartTable) -> dg.AssetKey:
    """The asset that writes the warehouse table `mart` is copied from: its dbt model, or for the alert
    ledger (warehouse alerts.alert_ledger) the `alerts_ledger` asset."""
    return alerts_ledger.key if mart.name == ALERT_LEDGER.name else dg.AssetKey(mart.name)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            published_key(mart.name),
            deps=[source_key(mart)],
            group_name="serving",
            kinds={"postgres"},
            skippable=True,
            automation_condition=follows_marts(),  # each table follows its mart, day by day
            description=f"analytics.marts.{mart.name}: "
            + ("the day's rows replaced in one transaction" if mart.day_partitioned else "swapped in whole"),
        )
        for mart in PUBLISHED_MARTS
    ],
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,  # opens warehouse.duckdb (read-only): never while dbt writes it
    op_tags=FOLLOWER_OP_TAGS,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
    can_subset=True,
)
def published_marts(context: dg.AssetExecutionContext, data_dir: DataDirResource, analytics: AnalyticsPostgresResource):
    """Copy the selected marts of the partition's day from warehouse.duckdb into PostgreSQL."""
    selected = [m for m in PUBLISHED_MARTS if published_key(m.name) in context.selected_asset_keys]
    with publishing_to(analytics.dsn, analytics.database):  # a lost server: one line naming it
        done = publish_marts(data_dir.data_dir.warehouse, analytics.dsn, selected, context.partition_key,
                             analytics.database)
    for table in done:
        if table.mode == "missing":
            context.log.warning(f"{table.table} is not in the warehouse: not published")
            continue
        yield dg.MaterializeResult(
            asset_key=published_key(table.table),
            metadata={
                "table": f"{analytics.database}.marts.{table.table}",
                "mode": table.mode,
                "rows_sent": dg.MetadataValue.int(table.rows),
                "seconds": dg.MetadataValue.float(round(table.seconds, 3)),
            },
        )
