{{ day_partitioned_incremental('minute', 'minute', timestamp=true) }}
-- Spec §5 perp basis per derivative market and UTC minute: perp mid vs the spot mid of
-- BASE/QUOTE on the same exchange at the same minute, premium from the funding reading of
-- the minute (mark vs index) and the annualised funding rate.
with

minute_quotes as (

    select * from {{ ref('int_market_minutes_quoted') }}
    where {{ day_filter() }} {{ in_refresh('minute', 'minute', timestamp=true) }}

),

perps as (

    select * from minute_quotes
    where market_type in ('swap', 'future')

),

spots as (

    select * from minute_quotes
    where market_type = 'spot'

),

funding as (

    select
        *,
        time_bucket(interval 1 minute, epoch_ms(ts)) as minute

    from {{ ref('stg_lake__funding') }}
    where {{ day_filter() }} {{ in_refresh('ts', 'minute') }}
    -- the funding reading of the minute: the last one in it
    qualify row_number() over (
        partition by exchange, market_type, symbol, time_bucket(interval 1 minute, epoch_ms(ts))
        order by ts desc, received_ts desc
    ) = 1

),

final as (

    select
        perps.exchange,
        perps.market_type,
        perps.symbol,
        perps.base,
        perps.quote,
        spots.symbol as spot_symbol,
        perps.day,
        perps.minute,
        perps.ts as perp_ts,
        perps.mid as perp_mid,
        spots.ts as spot_ts,
        spots.mid as spot_mid,
        (perps.mid - spots.mid) / spots.mid * 10000 as basis_bps,
        funding.ts as funding_ts,
        funding.mark_price,
        funding.index_price,
        (funding.mark_price - funding.index_price) / nullif(funding.index_price, 0) * 10000 as premium_bps,
        funding.funding_rate,
        funding.funding_interval_hours,
        funding.funding_rate * 365 * 24 / nullif(funding.funding_interval_hours, 0)
            as funding_rate_annualised,
        funding.next_funding_ts

    from perps
    left join spots
        on spots.exchange = perps.exchange
        and spots.symbol = perps.base || '/' || perps.quote
        and spots.minute = perps.minute
    left join funding
        on funding.exchange = perps.exchange
        and funding.market_type = perps.market_type
        and funding.symbol = perps.symbol
        and funding.minute = perps.minute

)

select * from final
