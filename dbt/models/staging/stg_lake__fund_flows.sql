-- Bitget fund-flow readings (raw_fund_flows), renamed and typed; volumes in quote currency.
-- registers the lake's new files of the day first (an appending run refreshes from their rows)
{{ config(pre_hook="{{ register_lake_files('raw_fund_flows') }}") }}
with

source as (

    select * from {{ lake_table('raw_fund_flows') }}

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
        whale_buy_volume,
        whale_sell_volume,
        dolphin_buy_volume,
        dolphin_sell_volume,
        fish_buy_volume,
        fish_sell_volume,
        net_flow

    from source

)

select * from renamed
