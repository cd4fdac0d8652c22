"""Jobs of the code location, for runs started by hand, by `mmwatch build` and by the schedules and
the landing sensor (in-process executor: no per-step subprocess start-up). The automation needs no
job: its sensors request the assets themselves (pipelines/automation.py)."""
import dagster as dg

from assets.market_data import DATASET_ASSET_BY_NAME, DATASET_ASSETS
from assets.marts import MART_ASSETS
from assets.partitions import daily_partitions, day_exchange_partitions
from assets.raw import RAW_ASSETS
from assets.report import compliance_report, report_email
from assets.serving import SERVING_ASSETS

__all__ = ["DATASET_ASSETS", "RAW_ASSETS", "daily_marts_job", "dataset_jobs", "publish_marts_job", "raw_ingest_job",
           "report_email_job"]

raw_ingest_job = dg.define_asset_job(
    "raw_ingest_job",
    selection=dg.AssetSelection.assets(*RAW_ASSETS),
    partitions_def=day_exchange_partitions,
    description="Landing files -> lake (raw_*) for a range of day x exchange partitions.",
    executor_def=dg.in_process_executor,
)

daily_marts_job = dg.define_asset_job(
    "daily_marts_job",
    selection=dg.AssetSelection.assets(*MART_ASSETS, compliance_report),
    partitions_def=daily_partitions,
    description="dbt build of one UTC day (every model and test) and its HTML report: `mmwatch build`, "
    "backfills. Tag it mmwatch/full_rebuild=true to recompute today instead of appending to it.",
    executor_def=dg.in_process_executor,
)

publish_marts_job = dg.define_asset_job(
    "publish_marts_job",
    selection=dg.AssetSelection.assets(*SERVING_ASSETS),
    partitions_def=daily_partitions,
    description="Publish one UTC day of the dbt marts (and the dims) into PostgreSQL analytics.marts.",
    executor_def=dg.in_process_executor,
)

report_email_job = dg.define_asset_job(
    "report_email_job", selection=dg.AssetSelection.assets(report_email), partitions_def=daily_partitions,
    description="Render the day's compliance report per recipient group and send each once.",
    executor_def=dg.in_process_executor,
)

# The slower data sets: one job per data set, run by pipelines/schedules.py.
dataset_jobs = {
    name: dg.define_asset_job(
        f"{asset.key.path[-1]}_job",
        selection=dg.AssetSelection.assets(asset),
        partitions_def=day_exchange_partitions,
        description=f"Fetch {name} for a range of day x exchange partitions into the lake.",
        executor_def=dg.in_process_executor,
    )
    for name, asset in DATASET_ASSET_BY_NAME.items()
}

JOBS = [raw_ingest_job, daily_marts_job, publish_marts_job, report_email_job, *dataset_jobs.values()]
