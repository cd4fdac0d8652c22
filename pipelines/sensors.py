"""landing_sensor: every new landing file into the lake, one run per UTC day per tick."""
from __future__ import annotations

import dagster as dg

from assets.partitions import EXCHANGES, partition_range_tags
from pipelines.jobs import raw_ingest_job
from mmwatch.landing.batches import GRACE_NS, LandingCursor, batches_by_day, new_files
from mmwatch.landing.scan import landing_files_since
from resources.data_dir import DataDirResource

# Seconds between ticks: a term of the freshness latency budget (docs/freshness.md).
LANDING_TICK_S = 10


@dg.sensor(job=raw_ingest_job, minimum_interval_seconds=LANDING_TICK_S, default_status=dg.DefaultSensorStatus.RUNNING)
def landing_sensor(context: dg.SensorEvaluationContext, data_dir: DataDirResource):
    """Gathers all new landing files of every data set and requests one raw_ingest_job run per
    UTC day touched, over the partitions `D|<first exchange>`..`D|<last exchange>`."""
    layout = data_dir.data_dir
    cursor = LandingCursor.parse(context.cursor)
    landed = landing_files_since(layout, cursor.watermark - GRACE_NS)
    fresh, next_cursor = new_files(landed, cursor)
    unknown = sorted({f.exchange for f in fresh} - set(EXCHANGES))
    if unknown:
        context.log.warning(
            f"landing files of exchanges {unknown} are skipped: they are not partitions "
            f"(add them to mmwatch/venues.py VENUES)"
        )
    fresh = [f for f in fresh if f.exchange in EXCHANGES]
    context.update_cursor(next_cursor.serialize())
    if not fresh:
        return dg.SkipReason(f"no new landing files under {layout.landing}")
    return [
        dg.RunRequest(
            run_key=batch.run_key,
            run_config=batch.run_config(),
            tags=partition_range_tags(batch.day, batch.exchanges),
            asset_selection=[dg.AssetKey(asset) for asset in batch.files_by_asset],
        )
        for batch in batches_by_day(fresh)
    ]
