{{ day_partitioned_incremental('ts') }}
-- Long/short ratios per derivative market, kind, period (intraday such as 5m/1h, daily 1d) and ts.
with

readings as (

    select * from {{ ref('stg_lake__long_short_ratios') }}
    where {{ day_filter() }} {{ in_refresh() }}

),

final as (

    select
        exchange,
        market_type,
        symbol,
        base,
        quote,
        kind,
        period,
        period = '1d' as is_daily,
        day,
        ts,
        long_short_ratio,
        -- shares from the ratio when the venue gives only the ratio: long = r / (1 + r)
        coalesce(long_share, long_short_ratio / (1 + long_short_ratio)) as long_share,
        coalesce(short_share, 1 / (1 + long_short_ratio)) as short_share

    from readings

)

select * from final
