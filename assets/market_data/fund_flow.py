"""raw_fund_flows: Bitget spot fund flow and whale net flow, every 15 minutes."""
from assets.market_data.factory import DatasetSpec, build_dataset_asset
from mmwatch.collector.market_data import fetch_fund_flow_now
from mmwatch.collector.market_history import fetch_whale_net_flow

FUND_FLOW = DatasetSpec(
    "fund_flow", ((fetch_fund_flow_now, None), (fetch_whale_net_flow, None)),
    "Bitget spot fund flow (buy/sell notional per trade class over the 15 m ending at ts) and whale net flow "
    "(per completed 15 m period), through the v3 market endpoints.",
    kind_column="kind",
)
raw_fund_flows = build_dataset_asset(FUND_FLOW)
