-- Ticker readings (raw_tickers), renamed and typed.
-- registers the lake's new files of the day first (an appending run refreshes from their rows)
{{ config(pre_hook="{{ register_lake_files('raw_tickers') }}") }}
with

source as (

    select * from {{ lake_table('raw_tickers') }}

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
        last,
        bid,
        ask,
        open,
        high,
        low,
        change,
        percentage,
        base_volume,
        quote_volume,
        mark_price,
        index_price,
        amount_unit,
        coalesce(contract_size, 1.0) as contract_size

    from source

)

select * from renamed
