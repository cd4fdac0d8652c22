-- Long/short ratio readings (raw_long_short_ratios), renamed and typed.
-- depends_on: {{ ref('int_lake_files_listed') }} (listed first: an appending run reads what is new)
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
