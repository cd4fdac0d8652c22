"""raw_tickers: 24 h tickers of every configured market, every minute."""
from assets.market_data.factory import DatasetSpec, build_dataset_asset
from mmwatch.collector.market_data import fetch_tickers

TICKERS = DatasetSpec(
    "tickers", ((fetch_tickers, None),),
    "24 h tickers (fetch_tickers): last, bid, ask, open/high/low, change, base and quote volume; mark and index "
    "where the venue sends them. One row per market per reading.",
    batch=True,
)
raw_tickers = build_dataset_asset(TICKERS)
