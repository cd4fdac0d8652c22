{{ day_partitioned_incremental('minute', 'minute', timestamp=true) }}
-- One row per market per covered UTC minute of the built day(s): spread, depth,
-- imbalance and slippage statistics over its usable snapshots (spec §2 metrics).
with

snapshot_metrics as (

    select * from {{ ref('fct_orderbook_snapshot_metrics') }}
    where {{ day_filter() }} {{ in_refresh('ts', 'minute') }}

),

aggregated as (

    select
        exchange,
        market_type,
        symbol,
        day,
        minute,
        {{ liquidity_aggregates() }}

    from snapshot_metrics
    group by exchange, market_type, symbol, day, minute

)

select * from aggregated
