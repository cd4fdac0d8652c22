"""Jobs of the code location (in-process executor: no per-step subprocess start-up)."""
import dagster as dg

from assets.report.compliance_html import compliance_report
from assets.marts.dbt_assets import mmwatch_dbt_assets
from assets.partitions import daily_partitions, day_exchange_partitions
from assets.raw.fetch_errors import raw_fetch_errors
from assets.raw.orderbooks import raw_orderbooks
from assets.raw.trades import raw_trades

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

# The slower data sets (assets/datasets_*.py): one job per data set, run by pipelines/schedules.py.
from assets.market_data.contract_stats import raw_contract_stats  # noqa: E402
from assets.market_data.fund_flow import raw_fund_flows  # noqa: E402
from assets.market_data.funding import raw_funding  # noqa: E402
from assets.market_data.long_short import raw_long_short_ratios  # noqa: E402
from assets.market_data.ohlcv import raw_ohlcv_1m  # noqa: E402
from assets.market_data.open_interest import raw_open_interest  # noqa: E402
from assets.market_data.tickers import raw_tickers  # noqa: E402

# data set (config name) -> its asset
DATASET_ASSET_BY_NAME = {
    "tickers": raw_tickers, "funding": raw_funding, "open_interest": raw_open_interest,
    "long_short_ratio": raw_long_short_ratios, "fund_flow": raw_fund_flows, "contract_stats": raw_contract_stats,
    "ohlcv": raw_ohlcv_1m,
}
DATASET_ASSETS = list(DATASET_ASSET_BY_NAME.values())

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

# Serving (assets/serving/published.py): the day's marts into PostgreSQL analytics, after daily_marts_job.
from assets.serving.published import published_marts  # noqa: E402

publish_marts_job = dg.define_asset_job(
    "publish_marts_job",
    selection=dg.AssetSelection.assets(published_marts),
    partitions_def=daily_partitions,
    description="Publish one UTC day of the dbt marts (and the dims) into PostgreSQL analytics.marts.",
    executor_def=dg.in_process_executor,
)

# Today's fast subset of the marts, refreshed as data lands (pipelines/intraday_*.py).
from pipelines.intraday_jobs import intraday_marts_job  # noqa: E402

# Jobs whose success means the marts changed (alerts evaluate after each, publishing follows them).
MART_JOBS = [daily_marts_job, intraday_marts_job]
