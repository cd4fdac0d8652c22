-- The venues' own 1-minute candles (raw_ohlcv_1m); ts is the candle start.
-- registers the lake's new files of the day first (an appending run refreshes from their rows)
{{ config(pre_hook="{{ register_lake_files('raw_ohlcv_1m') }}") }}
with

source as (

    select * from {{ lake_table('raw_ohlcv_1m') }}

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
        open,
        high,
        low,
        close,
        volume,
        amount_unit,
        coalesce(contract_size, 1.0) as contract_size,
        -- contracts in base units (linear × contract_size; inverse × contract_size / close: macro base_units)
        case when amount_unit = 'contracts'
             then {{ base_amount('volume', 'close', 'coalesce(contract_size, 1.0)', is_inverse('symbol')) }}
             else volume end as volume_base

    from source

)

select * from renamed
