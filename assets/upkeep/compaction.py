"""lake_compaction: every raw partition of a closed day becomes one file sorted for the marts."""
from datetime import datetime, timedelta, timezone

import dagster as dg

from assets.conditions import DAY_CLOSE_CRON
from assets.marts.dbt_assets import WAREHOUSE_POOL
from assets.raw.fetch_errors import FETCH_ERRORS
from assets.raw.orderbooks import ORDERBOOKS
from assets.raw.trades import TRADES
from assets.raw.metadata import markdown_table
from mmwatch.lake.compaction import compact_partition, partitions_to_compact
from resources.data_dir import DataDirResource

RAW_TABLES = (ORDERBOOKS, TRADES, FETCH_ERRORS)


def last_closed_day(now: datetime, cron: str = DAY_CLOSE_CRON) -> str:
    """The newest day whose day close (`cron`: 'M H * * *', UTC) has passed at `now`: its raw
    partitions are complete (the landing sensor took its last files before the close)."""
    minute, hour = (int(part) for part in cron.split()[:2])
    return ((now.astimezone(timezone.utc) - timedelta(hours=hour, minutes=minute)).date() - timedelta(days=1)).isoformat()


@dg.asset(
    name="lake_compaction",
    group_name="upkeep",
    kinds={"duckdb", "parquet"},
    pool=WAREHOUSE_POOL,  # never while dbt reads the lake files it replaces
    description="Every raw partition (raw_orderbooks, raw_trades, raw_fetch_errors) of a day whose day close has "
                "passed, left in several files by the day's raw runs, compacted into one file sorted by (symbol, "
                "ts); every row kept, the marts unchanged. Runs after the day close (lake_compaction_schedule).",
)
def lake_compaction(context: dg.AssetExecutionContext, data_dir: DataDirResource) -> dg.MaterializeResult:
    layout = data_dir.data_dir
    through = last_closed_day(datetime.now(timezone.utc))
    done = []
    for table in RAW_TABLES:
        for day, exchange in partitions_to_compact(layout, table.name, through):
            compacted = compact_partition(table, layout, day, exchange)
            if compacted is not None:
                done.append(compacted)
                context.log.info(f"{table.name} {day}|{exchange}: {compacted.files_before} files -> 1 "
                                 f"({compacted.rows} rows, {compacted.bytes_before:,} -> {compacted.bytes_after:,} bytes)")
    return dg.MaterializeResult(metadata={
        "closed_through": dg.MetadataValue.text(through),
        "partitions_compacted": dg.MetadataValue.int(len(done)),
        "files_before": dg.MetadataValue.int(sum(c.files_before for c in done)),
        "rows": dg.MetadataValue.int(sum(c.rows for c in done)),
        "bytes_before": dg.MetadataValue.int(sum(c.bytes_before for c in done)),
        "bytes_after": dg.MetadataValue.int(sum(c.bytes_after for c in done)),
        "partitions": markdown_table(["table", "partition", "files", "rows", "bytes before", "bytes after"],
                                     [[c.table, f"{c.day}\\|{c.exchange}", c.files_before, c.rows, c.bytes_before,
                                       c.bytes_after] for c in done]),
    })
