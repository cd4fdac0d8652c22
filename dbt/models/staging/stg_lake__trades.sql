-- Public trades of the lake, renamed and typed (spec §4), amount_base and notional_quote in base
-- units / quote (linear × contract_size, inverse × contract_size / price: macro base_units); the lake
-- is already unique per (market, trade_key).
-- registers the lake's new files of the day first (an appending run refreshes from their rows)
{{ config(pre_hook="{{ register_lake_files('raw_trades') }}") }}
with

source as (

    select
        *,
        coalesce(contract_size, 1.0) as units_per_contract,
        {{ is_inverse('symbol') }} as is_inverse

    from {{ lake_table('raw_trades') }}

),

renamed as (

    select
        exchange,
        market_type,
        symbol,
        {{ symbol_base('symbol') }} as base,
        {{ symbol_quote('symbol') }} as quote,
        trade_key,
        trade_id,
        cast(day as date) as day,
        ts,
        exchange_ts,
        received_ts,
        price,
        amount,
        units_per_contract as contract_size,
        is_inverse,
        {{ base_amount('amount', 'price', 'units_per_contract', 'is_inverse') }} as amount_base,
        price * {{ base_amount('amount', 'price', 'units_per_contract', 'is_inverse') }} as notional_quote,
        side as taker_side,
        source

    from source

)

select * from renamed
