-- 1-minute log returns of each market's mid within the built day: ln(mid_m / mid_(m−1)) where
-- both m and the minute before are quoted (last usable two-sided snapshot of the minute).
with

minute_quotes as (

    select * from {{ ref('int_market_minutes_quoted') }}
    where {{ day_filter() }}

),

with_previous as (

    select
        *,
        lag(minute) over market_minutes as previous_minute,
        lag(mid) over market_minutes as previous_mid

    from minute_quotes
    window market_minutes as (partition by exchange, market_type, symbol, day order by minute)

),

returns as (

    select
        exchange,
        market_type,
        symbol,
        base,
        quote,
        day,
        minute,
        mid,
        ln(mid / previous_mid) as log_return

    from with_previous
    -- a gap of a missing minute is no 1-minute return
    where previous_minute = minute - interval 1 minute

)

select * from returns
