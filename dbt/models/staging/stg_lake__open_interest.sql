-- Open-interest readings (raw_open_interest), with the amount in base units where no price is needed
-- (base-unit readings and linear contracts; inverse contracts are converted in fct_open_interest).
-- registers the lake's new files of the day first (an appending run refreshes from their rows)
{{ config(pre_hook="{{ register_lake_files('raw_open_interest') }}") }}
with

source as (

    select * from {{ lake_table('raw_open_interest') }}

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
        open_interest_amount,
        open_interest_value,
        amount_unit,
        coalesce(contract_size, 1.0) as contract_size,
        {{ is_inverse('symbol') }} as is_inverse,
        -- linear contracts × contract_size; inverse contracts need a price (fct_open_interest divides
        -- their quote value, contracts × contract_size, by the mark): NULL here
        case when amount_unit <> 'contracts' then open_interest_amount
             when not {{ is_inverse('symbol') }} then open_interest_amount * coalesce(contract_size, 1.0)
        end as open_interest_base

    from source

)

select * from renamed
