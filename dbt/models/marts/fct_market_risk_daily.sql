{{ day_partitioned_incremental(none) }}
-- Realised volatility per market and UTC day from 1-minute log returns of the mid.
with

returns as (

    select * from {{ ref('int_minute_returns_computed') }}
    where {{ day_filter() }}

),

quotes as (

    select * from {{ ref('int_market_minutes_quoted') }}
    where {{ day_filter() }} {{ in_refresh(none) }}

),

quoted_days as (

    select
        exchange,
        market_type,
        symbol,
        any_value(base) as base,
        any_value(quote) as quote,
        day,
        count(*) as quoted_minutes,
        arg_min(mid, minute) as first_mid,
        arg_max(mid, minute) as last_mid,
        min(mid) as min_mid,
        max(mid) as max_mid

    from quotes
    group by exchange, market_type, symbol, day

),

return_days as (

    select
        exchange,
        market_type,
        symbol,
        day,
        count(*) as return_count,
        sum(log_return * log_return) as realised_variance,
        max(abs(log_return)) as max_abs_return

    from returns
    group by exchange, market_type, symbol, day

),

final as (

    select
        quoted_days.*,
        coalesce(return_days.return_count, 0) as return_count,
        return_days.realised_variance,
        -- scaled to a full day of 1,440 one-minute returns, so missing minutes do not shrink it
        sqrt(return_days.realised_variance * 1440 / return_days.return_count) as realised_volatility_daily,
        sqrt(return_days.realised_variance * 1440 * 365 / return_days.return_count)
            as realised_volatility_annualised,
        return_days.max_abs_return,
        ln(quoted_days.last_mid / quoted_days.first_mid) as day_log_return

    from quoted_days
    left join return_days
        on return_days.exchange = quoted_days.exchange
        and return_days.market_type = quoted_days.market_type
        and return_days.symbol = quoted_days.symbol
        and return_days.day = quoted_days.day

)

select * from final
