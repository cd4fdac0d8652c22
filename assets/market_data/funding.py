"""raw_funding: funding rate, next funding time, mark and index price of every perpetual, every minute."""
from assets.market_data.factory import DatasetSpec, build_dataset_asset
from mmwatch.collector.market_data import fetch_funding

FUNDING = DatasetSpec(
    "funding", ((fetch_funding, None),),
    "Funding rate and next funding time (fetch_funding_rate) with mark and index price (from the funding "
    "response, else fetch_mark_price on OKX/KuCoin futures, fetch_tickers on Bitget).",
)
raw_funding = build_dataset_asset(FUNDING)
