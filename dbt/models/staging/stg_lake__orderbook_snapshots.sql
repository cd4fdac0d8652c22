-- Order-book snapshots of the lake, renamed and typed, level amounts in base units (spec units:
-- linear contracts × contract_size, inverse × contract_size / level price; macro base_units); zero-
-- amount levels are dropped here (spec §1: "a level with amount = 0 is ignored") so no metric sees them.
-- registers the lake's new files of the day first (an appending run refreshes from their rows)
{{ config(pre_hook="{{ register_lake_files('raw_orderbooks') }}") }}
with

source as (

    select
        *,
        coalesce(contract_size, 1.0) as units_per_contract,
        {{ is_inverse('symbol') }} as is_inverse

    from {{ lake_table('raw_orderbooks') }}

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
        units_per_contract as contract_size,
        is_inverse,
        {{ levels_in_base_units(without_zero_amounts('bids'), 'units_per_contract', 'is_inverse') }} as bids,
        {{ levels_in_base_units(without_zero_amounts('asks'), 'units_per_contract', 'is_inverse') }} as asks,
        is_valid,
        invalid_reason,
        source

    from source

)

select * from renamed
