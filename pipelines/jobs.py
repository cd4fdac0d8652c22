"""Jobs of the code location (in-process executor: no per-step subprocess start-up)."""
import dagster as dg

from assets.compliance_report import compliance_report
from assets.dbt_marts import mmwatch_dbt_assets
from assets.partitions import daily_partitions, day_exchange_partitions
from assets.raw_fetch_errors import raw_fetch_errors
from assets.raw_orderbooks import raw_orderbooks
from assets.raw_trades import raw_trades

RAW_ASSETS = [raw_orderbooks, raw_trades, raw_fetch_errors]

raw_ingest_job = dg.define_asset_job(
    "raw_ingest_job",
    selection=dg.AssetSelection.assets(*RAW_ASSETS),
    partitions_def=day_exchange_partitions,
    description="Landing files -> lake (raw_*) for a range of day x exchange partitions.",
    executor_def=dg.in_process_executor,
)

daily_marts_job = dg.define_asset_job(
    "daily_marts_job",
    selection=dg.AssetSelection.assets(mmwatch_dbt_assets, compliance_report),
    partitions_def=daily_partitions,
    description="dbt build of one UTC day (vars day, obligations_csv), then the compliance report.",
    executor_def=dg.in_process_executor,
)
