-- Funding readings of perpetuals (raw_funding), renamed and typed, with the interval in hours.
-- registers the lake's new files of the day first (an appending run refreshes from their rows)
{{ config(pre_hook="{{ register_lake_files('raw_funding') }}") }}
with

source as (

    select * from {{ lake_table('raw_funding') }}

),

renamed as (

    select
        exchange,
        market_type,
        symbol,
        {{ symbol_base('symbol') }} as base,
        {{ symbol_quote('symbol') }} as quote,
        cast(day as date) as day,
        ts,
        received_ts,
        funding_rate,
        next_funding_ts,
        funding_interval,
        -- '8h' / '480m' / '1d' as hours; NULL when the venue gives no interval
        case
            when regexp_matches(funding_interval, '^[0-9.]+h$') then try_cast(rtrim(funding_interval, 'h') as double)
            when regexp_matches(funding_interval, '^[0-9.]+m$') then try_cast(rtrim(funding_interval, 'm') as double) / 60
            when regexp_matches(funding_interval, '^[0-9.]+d$') then try_cast(rtrim(funding_interval, 'd') as double) * 24
        end as funding_interval_hours,
        mark_price,
        index_price

    from source

)

select * from renamed
