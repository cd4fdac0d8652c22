{{ day_partitioned_incremental('ts') }}
-- Open interest per derivative market, kind and reading ts, in base units and USD.
with

readings as (

    select * from {{ ref('stg_lake__open_interest') }}
    where {{ day_filter() }} {{ in_refresh() }}

),

-- the mark price at or before each reading (this day or the day before), for inverse contracts
marks as (

    select exchange, market_type, symbol, ts, mark_price
    from {{ ref('stg_lake__funding') }}
    where mark_price > 0 and {{ day_filter(lookback_ms=86400000) }}

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
        -- inverse contracts: quote value (contracts × contract_size) / mark = base units
        coalesce(readings.open_interest_base,
                 case when readings.is_inverse then readings.open_interest_value / marks.mark_price end)
            as open_interest_base,
        readings.open_interest_value,
        readings.open_interest_value * stable_quotes.usd_rate as open_interest_usd

    from readings
    asof left join marks
        on marks.exchange = readings.exchange and marks.market_type = readings.market_type
        and marks.symbol = readings.symbol and marks.ts <= readings.ts
    left join stable_quotes on stable_quotes.quote = readings.quote

)

select * from final
