-- The market-maker obligations in force (spec §3), one row per obligation, defaults applied.
with

obligations as (

    select * from {{ ref('stg_seeds__mm_obligations') }}

),

final as (

    select
        obligation_id,
        mm_name,
        exchange,
        market_type,
        symbol,
        base,
        quote,
        valid_from,
        valid_to,
        max_spread_bps,
        depth_band_bps,
        min_depth_usd,
        min_uptime_pct,
        min_coverage_pct,
        min_days_pct,
        alert_after_s

    from obligations

)

select * from final
