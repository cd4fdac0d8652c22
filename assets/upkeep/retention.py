"""landing_retention: landing files older than MMWATCH_LANDING_RETENTION_DAYS dropped once the lake
holds their rows; the others named with their reason."""
import dagster as dg

from assets.upkeep.compaction import RAW_TABLES
from mmwatch.landing.retention import RETENTION_ENV, apply_retention, retention_days
from resources.data_dir import DataDirResource

_MAX_LISTED = 200


@dg.asset(
    name="landing_retention",
    group_name="upkeep",
    kinds={"parquet"},
    description=f"Landing files (orderbooks, trades, fetch_errors) that landed more than {RETENTION_ENV} days ago "
                "(default 7) deleted when the lake holds every one of their rows; a file it does not hold whole "
                "is kept and named with the reason. Never touches the quarantine or the lake "
                "(landing_retention_schedule).",
)
def landing_retention(context: dg.AssetExecutionContext, data_dir: DataDirResource) -> dg.MaterializeResult:
    days = retention_days()
    outcome = apply_retention(data_dir.data_dir, RAW_TABLES, days)
    context.log.info(f"{len(outcome.dropped)} landing files older than {days} days dropped "
                     f"({outcome.bytes_freed:,} bytes, {outcome.rows_dropped} rows, all in the lake)")
    if outcome.kept:
        first = outcome.kept[0]
        more = f" (and {len(outcome.kept) - 1} more: see the run's metadata)" if len(outcome.kept) > 1 else ""
        context.log.warning(f"{len(outcome.kept)} landing files older than {days} days kept: {first.file}: "
                            f"{first.reason}{more}; docs/operations.md#landing-retention")
    return dg.MaterializeResult(metadata={
        "retention_days": dg.MetadataValue.int(days),
        "landed_before_utc": dg.MetadataValue.text(outcome.cutoff),
        "files_due": dg.MetadataValue.int(outcome.due),
        "files_dropped": dg.MetadataValue.int(len(outcome.dropped)),
        "rows_dropped": dg.MetadataValue.int(outcome.rows_dropped),
        "bytes_freed": dg.MetadataValue.int(outcome.bytes_freed),
        "files_kept": dg.MetadataValue.int(len(outcome.kept)),
        "kept": dg.MetadataValue.json([{"file": k.file, "reason": k.reason} for k in outcome.kept[:_MAX_LISTED]]),
    })
