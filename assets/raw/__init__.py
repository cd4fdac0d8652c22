"""Raw lake assets: landing files -> validated lake Parquet, partitioned by UTC day x exchange."""
from assets.raw.fetch_errors import raw_fetch_errors
from assets.raw.orderbooks import raw_orderbooks
from assets.raw.trades import raw_trades

RAW_ASSETS = [raw_orderbooks, raw_trades, raw_fetch_errors]
