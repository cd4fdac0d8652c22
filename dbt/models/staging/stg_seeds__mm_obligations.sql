-- Market-maker obligations (spec §3), from the seed or the checked obligations CSV
-- (macros/obligations_source.sql: columns by header name); empty optional cells take the
-- spec defaults (already filled in the copy Dagster builds pass).
with

source as (

    select * from {{ obligations_source() }}

),

renamed as (

    select
        trim(obligation_id) as obligation_id,
        trim(mm_name) as mm_name,
        trim(exchange) as exchange,
        trim(market_type) as market_type,
        trim(symbol) as symbol,
        {{ symbol_base('trim(symbol)') }} as base,
        {{ symbol_quote('trim(symbol)') }} as quote,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to,
        cast(max_spread_bps as double) as max_spread_bps,
        cast(depth_band_bps as double) as depth_band_bps,
        cast(min_depth_usd as double) as min_depth_usd,
        cast(min_uptime_pct as double) as min_uptime_pct,
        coalesce(cast(min_coverage_pct as double), 90.0) as min_coverage_pct,
        coalesce(cast(min_days_pct as double), 75.0) as min_days_pct,
        coalesce(cast(alert_after_s as double), 300.0) as alert_after_s

    from source

)

select * from renamed
