"""raw_long_short_ratios: long/short ratios per 5 minutes, every 5 minutes."""
from assets.market_data.factory import DatasetSpec, build_dataset_asset
from mmwatch.collector.market_history import fetch_long_short_ratios

LONG_SHORT = DatasetSpec(
    "long_short_ratio", ((fetch_long_short_ratios, None),),
    "Long/short ratios per 5 minutes: Binance /futures/data (USDⓈ-M by symbol, COIN-M by pair) global accounts "
    "and top traders' positions, "
    "elsewhere fetch_long_short_ratio_history (global accounts).",
    kind_column="kind",
)
raw_long_short_ratios = build_dataset_asset(LONG_SHORT)
