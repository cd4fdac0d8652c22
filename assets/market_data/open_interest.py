"""raw_open_interest: current open interest and its 5-minute history, every 5 minutes."""
from assets.market_data.factory import DatasetSpec, build_dataset_asset
from mmwatch.collector.market_data import fetch_open_interest_now
from mmwatch.collector.market_history import fetch_open_interest_history
from mmwatch.collector.venues import OPEN_INTEREST_HISTORY, OPEN_INTEREST_NOW

OPEN_INTEREST = DatasetSpec(
    "open_interest",
    ((fetch_open_interest_now, OPEN_INTEREST_NOW), (fetch_open_interest_history, OPEN_INTEREST_HISTORY)),
    "Open interest: kind 'now' (fetch_open_interest) and 'history_5m' (fetch_open_interest_history; Gate from its "
    "contract stats). Amounts as the venue counts them (amount_unit, contract_size); open_interest_value in quote "
    "currency (an inverse market's: contracts × contract_size).",
    kind_column="kind",
)
raw_open_interest = build_dataset_asset(OPEN_INTEREST)
