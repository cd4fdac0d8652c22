-- Long/short ratio readings (raw_long_short_ratios), renamed and typed.
-- registers the lake's new files of the day first (an appending run refreshes from their rows)
{{ config(pre_hook="{{ register_lake_files('raw_long_short_ratios') }}") }}
with

source as (

    select * from {{ lake_table('raw_long_short_ratios') }}

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
        kind,
        period,
        long_short_ratio,
        long_share,
        short_share

    from source

)

select * from renamed
