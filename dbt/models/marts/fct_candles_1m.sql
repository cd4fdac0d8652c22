{{ day_partitioned_incremental('candle_start', 'minute', timestamp=true) }}
-- One-minute OHLCV candles from trades (spec §4 open/high/low/close), minutes with trades only.
with

trades_minute as (

    select * from {{ ref('fct_trades_minute') }}
    where {{ day_filter() }} {{ in_refresh('minute', 'minute', timestamp=true) }}

),

final as (

    select
        exchange,
        market_type,
        symbol,
        day,
        minute as candle_start,
        open,
        high,
        low,
        close,
        volume_base,
        volume_quote,
        volume_usd,
        vwap,
        trade_count

    from trades_minute

)

select * from final
