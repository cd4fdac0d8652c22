"""raw_contract_stats: Gate futures contract stats per 5 minutes, every 5 minutes."""
from assets.market_data.factory import DatasetSpec, build_dataset_asset
from mmwatch.collector.market_history import fetch_contract_stats

CONTRACT_STATS = DatasetSpec(
    "contract_stats", ((fetch_contract_stats, None),),
    "Gate futures contract stats (publicFuturesGetSettleContractStats, 5 m): open interest in contracts and "
    "USD, mark price, long/short ratios, liquidations.",
    kind_constant="5m",
)
raw_contract_stats = build_dataset_asset(CONTRACT_STATS)
