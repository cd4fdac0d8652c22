{{ day_partitioned_incremental('ts') }}
-- The trades of the built day, de-duplicated (spec §4), with notional_usd via the spec §2
-- rate: 1.0-style rates for the stable quotes of the seed; otherwise the mid of the spot
-- market QUOTE/USDT from its last usable two-sided snapshot at or before the trade's ts and
-- at most 60 s old, on the same exchange first, else on the other exchanges in
-- alphabetical order of exchange id (macro usd_rate_asof; the mids come from
-- fct_orderbook_snapshot_metrics). A day-partitioned table, not ephemeral: the minute, hour
-- and day trade marts read it, and de-duplicating and rating 2 M trades once is a third of
-- doing it for each of them.
with

trades as (

    select * from {{ ref('stg_lake__trades') }}
    where {{ day_filter() }} {{ in_refresh() }}
    -- a trade_key repeated across lake batch files counts once (spec §4)
    qualify row_number() over (
        partition by exchange, market_type, symbol, trade_key order by received_ts, source
    ) = 1

),

market_settings as (

    select * from {{ ref('stg_seeds__market_settings') }}

),

stable_quotes as (

    select * from {{ ref('stg_seeds__usd_stable_quotes') }}

),

reference_mids as (

    select
        base as currency,
        exchange as reference_exchange,
        ts as reference_ts,
        mid as reference_mid

    from {{ ref('fct_orderbook_snapshot_metrics') }}
    where market_type = 'spot' and symbol = base || '/USDT' and is_two_sided
        and {{ day_filter(lookback_ms=60000) }} {{ in_refresh(lookback_ms=60000) }}
    qualify row_number() over (partition by base, exchange, ts order by snapshot_id) = 1

),

{{ usd_rate_asof('trades', ['exchange', 'market_type', 'symbol', 'trade_key'], 'reference_mids', 'stable_quotes') }},

rated as (

    select
        trades.*,
        coalesce(stable_quotes.usd_rate, chosen_reference.usd_rate) as usd_rate,
        trades.notional_quote * coalesce(stable_quotes.usd_rate, chosen_reference.usd_rate)
            as notional_usd,
        coalesce(market_settings.whale_threshold_usd, 100000.0) as whale_threshold_usd

    from trades
    left join market_settings
        on market_settings.exchange = trades.exchange
        and market_settings.market_type = trades.market_type
        and market_settings.symbol = trades.symbol
    left join stable_quotes on stable_quotes.quote = trades.quote
    left join chosen_reference
        on chosen_reference.exchange = trades.exchange
        and chosen_reference.market_type = trades.market_type
        and chosen_reference.symbol = trades.symbol
        and chosen_reference.trade_key = trades.trade_key

)

select * from rated
