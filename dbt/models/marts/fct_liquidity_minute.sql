{{ day_partitioned_incremental() }}
-- One row per market per covered UTC minute of the built day(s): spread, depth,
-- imbalance and slippage statistics over its usable snapshots (spec §2 metrics).
with

snapshot_metrics as (

    select metrics.*, slippage.* exclude (snapshot_id, exchange, market_type, symbol, day, ts, minute, is_two_sided, mid, usd_rate)
    from {{ ref('fct_orderbook_snapshot_metrics') }} as metrics
    left join {{ ref('fct_orderbook_slippage') }} as slippage using (snapshot_id)
    where {{ day_filter('metrics.day') }}

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
