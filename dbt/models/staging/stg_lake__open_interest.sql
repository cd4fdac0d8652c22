-- Open-interest readings (raw_open_interest), with the amount in base units.
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
        case when amount_unit = 'contracts' then open_interest_amount * coalesce(contract_size, 1.0)
            else open_interest_amount end as open_interest_base

    from source

)

select * from renamed
