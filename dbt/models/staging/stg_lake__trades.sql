-- Public trades of the lake, renamed and typed (spec §4); the lake is already
-- unique per (market, trade_key).
with

source as (

    select * from {{ lake_table('raw_trades') }}

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
        coalesce(contract_size, 1.0) as contract_size,
        amount * coalesce(contract_size, 1.0) as amount_base,
        price * amount * coalesce(contract_size, 1.0) as notional_quote,
        side as taker_side,
        source

    from source

)

select * from renamed
