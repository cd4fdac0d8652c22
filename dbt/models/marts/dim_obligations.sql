-- The market-maker obligations in force (spec §3), one row per obligation, defaults applied,
-- and whether the lake has ever held an order book of the obligation's market.
with

obligations as (

    select * from {{ ref('stg_seeds__mm_obligations') }}

),

-- markets with at least one order-book snapshot (valid or not) on any built day: the
-- orderbooks rows of fct_data_coverage_daily (not the lake, whose every day it would scan)
markets_with_books as (

    select distinct exchange, market_type, symbol
    from {{ ref('fct_data_coverage_daily') }}
    where dataset = 'orderbooks'

),

final as (

    select
        obligations.obligation_id,
        obligations.mm_name,
        obligations.exchange,
        obligations.market_type,
        obligations.symbol,
        obligations.base,
        obligations.quote,
        obligations.valid_from,
        obligations.valid_to,
        obligations.max_spread_bps,
        obligations.depth_band_bps,
        obligations.min_depth_usd,
        obligations.min_uptime_pct,
        obligations.min_coverage_pct,
        obligations.min_days_pct,
        obligations.alert_after_s,
        markets_with_books.symbol is not null as market_has_data

    from obligations
    left join markets_with_books
        on markets_with_books.exchange = obligations.exchange
        and markets_with_books.market_type = obligations.market_type
        and markets_with_books.symbol = obligations.symbol

)

select * from final
