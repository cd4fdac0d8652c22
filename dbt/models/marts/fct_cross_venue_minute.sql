{{ day_partitioned_incremental('minute', 'minute', timestamp=true) }}
-- One row per base asset per UTC minute with its USD mid dispersion across the spot
-- markets quoting it (spec §5).
with

quotes as (

    select * from {{ ref('int_spot_minutes_usd_quoted') }}
    where {{ day_filter() }} {{ in_refresh('minute', 'minute', timestamp=true) }}

),

dispersion as (

    select
        base,
        day,
        minute,
        count(*) as venues,
        min(mid_usd) as min_mid_usd,
        max(mid_usd) as max_mid_usd,
        quantile_cont(mid_usd, 0.5) as median_mid_usd,
        -- markets with the same mid: the first exchange:symbol in alphabetical order (a plain
        -- arg_min/arg_max would pick whichever row comes first, which depends on file order)
        arg_min(exchange || ':' || symbol, (mid_usd, exchange || ':' || symbol)) as min_mid_market,
        arg_min(exchange || ':' || symbol, (-mid_usd, exchange || ':' || symbol)) as max_mid_market

    from quotes
    group by base, day, minute

),

final as (

    select
        *,
        (max_mid_usd - min_mid_usd) / median_mid_usd * 10000 as dispersion_bps

    from dispersion

)

select * from final
