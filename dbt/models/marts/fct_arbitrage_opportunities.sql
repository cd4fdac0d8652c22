{{ day_partitioned_incremental('minute', 'minute', timestamp=true) }}
-- One row per (minute, buy market A, sell market B) of the same base asset where buying
-- at A's ask and selling at B's bid beats both taker fees (spec §5).
with

quotes as (

    select * from {{ ref('int_spot_minutes_usd_quoted') }}
    where {{ day_filter() }} {{ in_refresh('minute', 'minute', timestamp=true) }}

),

fees as (

    select * from {{ ref('taker_fees') }}

),

pairs as (

    select
        buy.base,
        buy.day,
        buy.minute,
        buy.exchange as buy_exchange,
        buy.symbol as buy_symbol,
        sell.exchange as sell_exchange,
        sell.symbol as sell_symbol,
        buy.best_ask_usd as buy_ask_usd,
        sell.best_bid_usd as sell_bid_usd,
        (sell.best_bid_usd - buy.best_ask_usd) / buy.best_ask_usd * 10000 as gross_edge_bps,
        coalesce(buy_fee.taker_fee_bps, 10.0) as buy_taker_fee_bps,
        coalesce(sell_fee.taker_fee_bps, 10.0) as sell_taker_fee_bps,
        least(buy.best_ask_amount, sell.best_bid_amount) as executable_base

    from quotes as buy
    inner join quotes as sell
        on sell.base = buy.base
        and sell.minute = buy.minute
        and (sell.exchange, sell.symbol) <> (buy.exchange, buy.symbol)
        -- cheap pre-filter: no edge without sell bid > buy ask
        and sell.best_bid_usd > buy.best_ask_usd
    left join fees as buy_fee on buy_fee.exchange = buy.exchange
    left join fees as sell_fee on sell_fee.exchange = sell.exchange

),

final as (

    select
        *,
        gross_edge_bps - buy_taker_fee_bps - sell_taker_fee_bps as net_edge_bps,
        executable_base * buy_ask_usd as executable_usd

    from pairs
    where gross_edge_bps > buy_taker_fee_bps + sell_taker_fee_bps

)

select * from final
