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
from assets.upkeep import lake_compaction, landing_retention

__all__ = ["DATASET_ASSETS", "JOBS", "RAW_ASSETS", "daily_marts_job", "dataset_jobs", "lake_compaction_job",
           "landing_retention_job", "publish_marts_job", "raw_ingest_job", "report_email_job"]


def _job(name: str, assets: list, partitions: dg.PartitionsDefinition | None, description: str):
    return dg.define_asset_job(name, selection=dg.AssetSelection.assets(*assets), partitions_def=partitions,
                               description=description, executor_def=dg.in_process_executor)


raw_ingest_job = _job("raw_ingest_job", RAW_ASSETS, day_exchange_partitions,
                      "Landing files -> lake (raw_*) for a range of day x exchange partitions.")
daily_marts_job = _job("daily_marts_job", [*MART_ASSETS, compliance_report], daily_partitions,
                       "dbt build of one UTC day (every model and test) and its HTML report: `mmwatch build`, "
                       "backfills. Tag it mmwatch/full_rebuild=true to recompute today instead of appending to it.")
publish_marts_job = _job("publish_marts_job", SERVING_ASSETS, daily_partitions,
                         "Publish one UTC day of the dbt marts (and the dims) into PostgreSQL analytics.marts.")
report_email_job = _job("report_email_job", [report_email], daily_partitions,
                        "Render the day's compliance report per recipient group and send each once.")
# The slower data sets: one job per data set, run by pipelines/schedules.py.
dataset_jobs = {name: _job(f"{asset.key.path[-1]}_job", [asset], day_exchange_partitions,
                           f"Fetch {name} for a range of day x exchange partitions into the lake.")
                for name, asset in DATASET_ASSET_BY_NAME.items()}
# Upkeep of the data directory (docs/operations.md), one job each: compaction holds the warehouse pool
# (dbt must not read the files it replaces), the retention does not.
lake_compaction_job = _job("lake_compaction_job", [lake_compaction], None,
                           "Compact every raw partition of the closed days into one file sorted by (symbol, ts).")
landing_retention_job = _job("landing_retention_job", [landing_retention], None,
                             "Drop landing files older than MMWATCH_LANDING_RETENTION_DAYS whose rows the lake holds.")

JOBS = [raw_ingest_job, daily_marts_job, publish_marts_job, report_email_job, *dataset_jobs.values(),
        lake_compaction_job, landing_retention_job]
