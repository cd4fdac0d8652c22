-- Order-book snapshots of the lake, renamed and typed; zero-amount levels are
-- dropped here (spec §1: "a level with amount = 0 is ignored") so no metric sees them.
with

source as (

    select * from {{ lake_table('raw_orderbooks') }}

),

renamed as (

    select
        snapshot_id,
        exchange,
        market_type,
        symbol,
        {{ symbol_base('symbol') }} as base,
        {{ symbol_quote('symbol') }} as quote,
        {{ symbol_settle('symbol') }} as settle,
        cast(day as date) as day,
        ts,
        exchange_ts,
        received_ts,
        nonce,
        {{ without_zero_amounts('bids') }} as bids,
        {{ without_zero_amounts('asks') }} as asks,
        is_valid,
        invalid_reason,
        source

    from source

)

select * from renamed
