{{ day_partitioned_incremental() }}
-- Open interest per derivative market, kind and reading ts, in base units and USD.
with

readings as (

    select * from {{ ref('stg_lake__open_interest') }}
    where {{ day_filter() }}

),

stable_quotes as (

    select * from {{ ref('stg_seeds__usd_stable_quotes') }}

),

final as (

    select
        readings.exchange,
        readings.market_type,
        readings.symbol,
        readings.base,
        readings.quote,
        readings.kind,
        readings.day,
        readings.ts,
        readings.open_interest_amount,
        readings.amount_unit,
        readings.contract_size,
        readings.open_interest_base,
        readings.open_interest_value,
        readings.open_interest_value * stable_quotes.usd_rate as open_interest_usd

    from readings
    left join stable_quotes on stable_quotes.quote = readings.quote

)

select * from final
