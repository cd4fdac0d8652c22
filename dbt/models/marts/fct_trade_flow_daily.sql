{{ day_partitioned_incremental(none) }}
-- Spec §4 trade flow per market per UTC day, with the trade size distribution in USD.
{{ trade_aggregates(ref('int_trades_usd_rated'), refresh=in_refresh(none), extra=[
    "count(*) filter (where notional_usd < 1000) as trades_under_1k_usd",
    "count(*) filter (where notional_usd >= 1000 and notional_usd < 10000) as trades_1k_to_10k_usd",
    "count(*) filter (where notional_usd >= 10000 and notional_usd < 100000) as trades_10k_to_100k_usd",
    "count(*) filter (where notional_usd >= 100000) as trades_100k_usd_and_over",
    "quantile_cont(notional_usd, 0.5) as median_trade_usd",
]) }}
