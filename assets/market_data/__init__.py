"""Market-data assets: the slower data sets fetched on schedules (tickers, funding, open interest,
long/short, fund flow, contract stats, candles)."""
from assets.market_data.contract_stats import raw_contract_stats
from assets.market_data.fund_flow import raw_fund_flows
from assets.market_data.funding import raw_funding
from assets.market_data.long_short import raw_long_short_ratios
from assets.market_data.ohlcv import raw_ohlcv_1m
from assets.market_data.open_interest import raw_open_interest
from assets.market_data.tickers import raw_tickers

# data set (the collection config's name, mmwatch.config.DATASET_NAMES) -> its asset
DATASET_ASSET_BY_NAME = {
    "tickers": raw_tickers, "funding": raw_funding, "open_interest": raw_open_interest,
    "long_short_ratio": raw_long_short_ratios, "fund_flow": raw_fund_flows, "contract_stats": raw_contract_stats,
    "ohlcv": raw_ohlcv_1m,
}
DATASET_ASSETS = list(DATASET_ASSET_BY_NAME.values())
