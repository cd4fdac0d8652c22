{{ day_partitioned_incremental('minute', 'minute', timestamp=true) }}
-- Each spot market's quote per UTC minute of the built day(s) (spec §5): its last usable
-- two-sided snapshot in the minute (ties on ts by snapshot_id), in USD via the §2 rate. A table,
-- refreshed by minute, that the cross-venue and arbitrage marts read for their minutes.
with

snapshot_metrics as (

    select * from {{ ref('fct_orderbook_snapshot_metrics') }}
    where {{ day_filter() }} {{ in_refresh('ts', 'minute') }}
        and is_two_sided and market_type = 'spot' and usd_rate is not null

),

last_in_minute as (

    select
        exchange,
        market_type,
        symbol,
        base,
        quote,
        day,
        minute,
        ts,
        snapshot_id,
        mid * usd_rate as mid_usd,
        best_bid * usd_rate as best_bid_usd,
        best_ask * usd_rate as best_ask_usd,
        best_bid_amount,
        best_ask_amount

    from snapshot_metrics
    qualify row_number() over (
        partition by exchange, market_type, symbol, minute order by ts desc, snapshot_id desc) = 1

)

select * from last_in_minute
