{{ day_partitioned_incremental('candle_start', 'hour', timestamp=true) }}
-- One-hour OHLCV candles from trades (spec §4), hours with trades only.
with

trades_hour as (

    {{ trade_aggregates(ref('int_trades_usd_rated'), 'time_bucket(interval 1 hour, epoch_ms(ts))', 'candle_start',
                        refresh=in_refresh('ts', 'hour')) }}

),

final as (

    select
        exchange,
        market_type,
        symbol,
        day,
        candle_start,
        open,
        high,
        low,
        close,
        volume_base,
        volume_quote,
        volume_usd,
        vwap,
        trade_count

    from trades_hour

)

select * from final
