"""raw_trades: public trades in the lake, de-duplicated by trade_key."""
from assets.raw.factory import build_raw_asset
from mmwatch.lake.raw_partition import RawTable
from mmwatch.lake.raw_rules import prepare_trades
from mmwatch.schemas import LAKE_TRADES

TRADES = RawTable(
    name="raw_trades",
    dataset="trades",
    lake_schema=LAKE_TRADES,
    key_columns=("exchange", "market_type", "symbol", "trade_key"),
    day_column="ts",
    prepare=prepare_trades,
    row_noun="trades",
)

raw_trades = build_raw_asset(
    TRADES,
    "Public trades from landing: ts resolved, trade_key (trade id, else a hash of ts, price, "
    "amount, side), unique per market.",
)
