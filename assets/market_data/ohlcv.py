"""raw_ohlcv_1m: complete 1 m candles for price-history backfill, every hour."""
from assets.market_data.factory import DatasetSpec, build_dataset_asset
from mmwatch.collector.market_history import fetch_ohlcv

OHLCV = DatasetSpec(
    "ohlcv", ((fetch_ohlcv, None),),
    "Complete 1 m candles (fetch_ohlcv), paged from the last stored candle of the day. Volume as the venue "
    "counts it (amount_unit, contract_size).",
    kind_constant="1m",
)
raw_ohlcv_1m = build_dataset_asset(OHLCV)
