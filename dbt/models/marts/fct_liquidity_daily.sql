{{ day_partitioned_incremental(none) }}
-- One row per market per UTC day with usable snapshots of the built day(s): spread, depth,
-- imbalance and slippage statistics over its usable snapshots (spec §2 metrics).
with

snapshot_metrics as (

    select * from {{ ref('fct_orderbook_snapshot_metrics') }}
    where {{ day_filter() }} {{ in_refresh(none) }}

),

aggregated as (

    select
        exchange,
        market_type,
        symbol,
        day,
        count(distinct minute) as covered_minutes,
        -- UTC days have 1,440 minutes
        100.0 * count(distinct minute) / 1440 as coverage_pct,
        {{ liquidity_aggregates() }}

    from snapshot_metrics
    group by exchange, market_type, symbol, day

)

select * from aggregated
