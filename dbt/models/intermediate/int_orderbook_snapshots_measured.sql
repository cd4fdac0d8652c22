-- Usable snapshots (spec §1) of the built day with top of book, spread, the standard depth
-- bands in quote currency and their truncation flags (spec §2), computed per row with list
-- functions (no exploded levels). The level lists and their price lists stay on the row for
-- the market-order walks of fct_orderbook_snapshot_metrics, which also drops repeated
-- snapshot_ids after the lists are gone (a window over rows carrying the lists would be far
-- dearer). In an appending run only the snapshots at or after the refresh start of
-- fct_orderbook_snapshot_metrics are measured (in_refresh names it: this model is compiled into it).
with

snapshots as (

    select * from {{ ref('stg_lake__orderbook_snapshots') }}
    where is_valid and {{ day_filter() }} {{ in_refresh(of='fct_orderbook_snapshot_metrics') }}

),

level_lists as (

    select
        *,
        {{ level_prices('bids') }} as bid_prices,
        {{ level_prices('asks') }} as ask_prices,
        {{ level_notionals('bids') }} as bid_notionals,
        {{ level_notionals('asks') }} as ask_notionals,
        len(bids) as bid_levels,
        len(asks) as ask_levels,
        len(bids) > 0 and len(asks) > 0 as is_two_sided

    from snapshots

),

top_of_book as (

    select
        *,
        list_max(bid_prices) as best_bid,
        list_min(ask_prices) as best_ask,
        list_min(bid_prices) as deepest_bid,
        list_max(ask_prices) as deepest_ask

    from level_lists

),

with_mid as (

    select
        *,
        case when is_two_sided then (best_bid + best_ask) / 2 end as mid

    from top_of_book

),

measured as (

    select
        snapshot_id,
        exchange,
        market_type,
        symbol,
        base,
        quote,
        settle,
        day,
        ts,
        received_ts,
        source,
        bids,
        asks,
        bid_prices,
        ask_prices,
        best_bid,
        best_ask,
        mid,
        (best_ask - best_bid) / mid * 10000 as spread_bps,
        is_two_sided,
        bid_levels,
        ask_levels,
        list_sum(bid_notionals) as bid_notional,
        list_sum(ask_notionals) as ask_notional,
        {%- for band in standard_bands() %}
        {{ band_depth_quote('bid_prices', 'bid_notionals', 'bid', 'mid', band) }} as depth_bid_quote_{{ band }},
        {{ band_depth_quote('ask_prices', 'ask_notionals', 'ask', 'mid', band) }} as depth_ask_quote_{{ band }},
        {{ band_depth_truncated('deepest_bid', 'bid', 'mid', band) }} as depth_truncated_bid_{{ band }},
        {{ band_depth_truncated('deepest_ask', 'ask', 'mid', band) }} as depth_truncated_ask_{{ band }},
        {%- endfor %}

    from with_mid

)

select * from measured
