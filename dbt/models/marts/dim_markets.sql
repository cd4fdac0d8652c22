-- One row per market (exchange, market_type, symbol) with order books, trades or fetch errors
-- on a built day, with its currencies, the days it was seen and its obligations. Read from
-- fct_data_coverage_daily (one row per market, day and data set with lake rows), not from the
-- lake, whose every day it would otherwise scan on every refresh.
with

seen as (

    select exchange, market_type, symbol, day, dataset
    from {{ ref('fct_data_coverage_daily') }}

),

obligations as (

    select exchange, market_type, symbol, count(*) as obligations
    from {{ ref('stg_seeds__mm_obligations') }}
    group by exchange, market_type, symbol

),

markets as (

    select
        exchange,
        market_type,
        symbol,
        min(day) as first_seen_day,
        max(day) as last_seen_day,
        list(distinct dataset order by dataset) as datasets

    from seen
    group by exchange, market_type, symbol

),

final as (

    select
        markets.exchange,
        markets.market_type,
        markets.symbol,
        {{ symbol_base('markets.symbol') }} as base,
        {{ symbol_quote('markets.symbol') }} as quote,
        {{ symbol_settle('markets.symbol') }} as settle,
        markets.first_seen_day,
        markets.last_seen_day,
        markets.datasets,
        coalesce(obligations.obligations, 0) as obligations

    from markets
    left join obligations using (exchange, market_type, symbol)

)

select * from final
