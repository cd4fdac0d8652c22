-- Usable snapshots (spec §1) with top of book, spread and the standard depth bands in
-- quote currency (spec §2). Covers the built day plus the last 60 s of the previous day,
-- which the USD-rate lookup may need. Rows are narrowed before de-duplication so the
-- window never carries the level lists.
with

snapshots as (

    select * from {{ ref('stg_lake__orderbook_snapshots') }}
    where is_valid and {{ day_filter(lookback_ms=60000) }}

),

level_lists as (

    select
        * exclude (bids, asks),
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
        best_bid,
        best_ask,
        mid,
        (best_ask - best_bid) / mid * 10000 as spread_bps,
        is_two_sided,
        bid_levels,
        ask_levels,
        {%- for band in standard_bands() %}
        {{ band_depth_quote('bid_prices', 'bid_notionals', 'bid', 'mid', band) }} as depth_bid_quote_{{ band }},
        {{ band_depth_quote('ask_prices', 'ask_notionals', 'ask', 'mid', band) }} as depth_ask_quote_{{ band }},
        {{ band_depth_truncated('deepest_bid', 'bid', 'mid', band) }} as depth_truncated_bid_{{ band }},
        {{ band_depth_truncated('deepest_ask', 'ask', 'mid', band) }} as depth_truncated_ask_{{ band }},
        {%- endfor %}

    from with_mid

),

deduplicated as (

    -- the lake keeps a snapshot once, but a snapshot_id repeated across batch files
    -- must still count once (spec §1)
    select * exclude (received_ts, source)
    from measured
    qualify row_number() over (partition by snapshot_id order by received_ts, source) = 1

)

select * from deduplicated
