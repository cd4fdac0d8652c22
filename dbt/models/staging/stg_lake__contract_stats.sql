-- Gate contract stats (raw_contract_stats), renamed and typed.
-- registers the lake's new files of the day first (an appending run refreshes from their rows)
{{ config(pre_hook="{{ register_lake_files('raw_contract_stats') }}") }}
with

source as (

    select * from {{ lake_table('raw_contract_stats') }}

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
        interval,
        open_interest,
        open_interest_usd,
        mark_price,
        lsr_taker,
        lsr_account,
        top_lsr_account,
        top_lsr_size,
        long_liq_size,
        long_liq_usd,
        short_liq_size,
        short_liq_usd,
        coalesce(contract_size, 1.0) as contract_size

    from source

)

select * from renamed
