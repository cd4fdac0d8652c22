{{ day_partitioned_incremental('ts') }}
-- depends_on: {{ ref('stg_lake__orderbook_snapshots') }}
-- One row per usable order-book snapshot of the built day(s) with the spec §2 metrics: top of
-- book, spread, depth per standard band and side (quote and USD), truncation flags, imbalance,
-- market-order slippage for the standard USD sizes and the touch amounts. One pass over each
-- snapshot's level lists (list functions, no exploded rows); the rows that carry the lists
-- only ever stream (the joined rates are the small side), and the lists are dropped before
-- repeated snapshot_ids are removed.
{%- set sizes = standard_order_sizes_usd() %}
{#- Does a snapshot_id of the built day sit in two lake files? A narrow count when the model runs
    (about 1 s for 1.7 M snapshots) spares the window over every row when none does. -#}
{%- set has_repeats = true %}
{%- if execute %}
  {%- set has_repeats = run_query("select count(*) > count(distinct snapshot_id) from "
        ~ ref('stg_lake__orderbook_snapshots') ~ " where is_valid and " ~ day_filter() ~ " " ~ in_refresh()).columns[0].values()[0] %}
{%- endif %}
with

measured as (

    select * from {{ ref('int_orderbook_snapshots_measured') }}

),

stable_quotes as (

    select * from {{ ref('stg_seeds__usd_stable_quotes') }}

),

referenced_rates as (

    select * from {{ ref('int_orderbook_snapshots_usd_rated') }}

),

rated as (

    select
        measured.*,
        coalesce(stable_quotes.usd_rate, referenced_rates.usd_rate) as usd_rate,
        case
            when stable_quotes.quote is not null then 'stable'
            when referenced_rates.snapshot_id is not null then referenced_rates.usd_rate_source
            else 'missing'
        end as usd_rate_source,
        referenced_rates.usd_rate_exchange,
        referenced_rates.usd_rate_ts

    from measured
    left join stable_quotes on stable_quotes.quote = measured.quote
    left join referenced_rates on referenced_rates.snapshot_id = measured.snapshot_id

),

-- the largest standard order (quote) each side can fill, and how far from the touch its
-- walk must look (computed once per row: a bound inside the lambdas would be per level).
-- One-sided snapshots are not walked: no mid, so no slippage and no touch amounts.
walk_targets as (

    select
        *,
        {%- for size in sizes %}
        {{ size }} / usd_rate as target_{{ size }},
        {%- endfor %}
        {%- for side in ['bid', 'ask'] %}
        case
            {%- for size in sizes | reverse %}
            when {{ size }} / usd_rate <= {{ side }}_notional then {{ size }} / usd_rate
            {%- endfor %}
        end as {{ side }}_walk_target{{ ',' if not loop.last }}
        {%- endfor %}

    from rated

),

walk_bounds as (

    select
        * exclude (bid_walk_target, ask_walk_target),
        {{ walk_bound('ask', 'ask_walk_target', 'mid', 'best_ask', 'depth_ask_quote_') }} as ask_walk_bound,
        {{ walk_bound('bid', 'bid_walk_target', 'mid', 'best_bid', 'depth_bid_quote_') }} as bid_walk_bound

    from walk_targets

),
{#- per side: its levels, and the market order that walks them #}
{%- set walks = [('ask', 'asks', 'buy'), ('bid', 'bids', 'sell')] %}
{%- set targets = [] %}
{%- for size in sizes %}{% do targets.append('target_' ~ size) %}{% endfor %}

-- how many levels lie inside each walk bound: a side's first that many when the venue lists it
-- in order from the touch (asks ascending, bids descending), as venues do
walk_extents as (

    select
        * exclude (bid_prices, ask_prices),
        {%- for side, levels, order in walks %}
        {{ levels_within(side ~ '_prices', side, side ~ '_walk_bound') }} as {{ side }}_walk_levels{{ ',' if not loop.last }}
        {%- endfor %}

    from walk_bounds

),

-- the walk over a side's first n levels as listed, with no filter and no sort: it counts when
-- the n-th is inside the bound and the fill found the n levels in order from the touch (p not
-- NULL), since they are then exactly the n levels inside the bound, in walking order
listed_fills as (

    select
        *,
        {%- for side, levels, order in walks %}
        case when is_two_sided and {{ within_bound(levels ~ '[' ~ side ~ '_walk_levels].price', side, side ~ '_walk_bound') }}
            then {{ market_order_fill('list_slice(' ~ levels ~ ', 1, ' ~ side ~ '_walk_levels)', targets, side) }}
        end as {{ order }}_listed_fill{{ ',' if not loop.last }}
        {%- endfor %}

    from walk_extents

),

-- a side whose listed walk does not count (a venue that sent it out of order): its levels
-- inside the bound, sorted from the touch
sorted_levels as (

    select
        * exclude (bids, asks, bid_walk_bound, ask_walk_bound, bid_walk_levels, ask_walk_levels),
        {%- for side, levels, order in walks %}
        case when {{ order }}_listed_fill.p is not null then {{ levels }}[1].amount end as best_{{ side }}_listed_amount,
        case when is_two_sided and {{ order }}_listed_fill.p is null then {{ levels_from_touch(
            'list_filter(' ~ levels ~ ', lambda level: ' ~ within_bound('level.price', side, side ~ '_walk_bound') ~ ')', side) }}
        end as {{ levels }}_sorted{{ ',' if not loop.last }}
        {%- endfor %}

    from listed_fills

),

fills as (

    select
        * exclude (asks_sorted, bids_sorted, best_ask_listed_amount, best_bid_listed_amount, buy_listed_fill, sell_listed_fill),
        {%- for side, levels, order in walks %}
        coalesce(best_{{ side }}_listed_amount, {{ levels }}_sorted[1].amount) as best_{{ side }}_amount,
        coalesce({{ market_order_fill(levels ~ '_sorted', targets, side) }}, {{ order }}_listed_fill) as {{ order }}_fill{{ ',' if not loop.last }}
        {%- endfor %}

    from sorted_levels

),

final as (

    select
        snapshot_id,
        exchange,
        market_type,
        symbol,
        base,
        quote,
        day,
        ts,
        time_bucket(interval 1 minute, epoch_ms(ts)) as minute,
        best_bid,
        best_ask,
        mid,
        spread_bps,
        is_two_sided,
        {%- for band in standard_bands() %}
        depth_bid_quote_{{ band }},
        depth_ask_quote_{{ band }},
        depth_bid_quote_{{ band }} * usd_rate as depth_bid_usd_{{ band }},
        depth_ask_quote_{{ band }} * usd_rate as depth_ask_usd_{{ band }},
        depth_truncated_bid_{{ band }},
        depth_truncated_ask_{{ band }},
        {{ imbalance('depth_bid_quote_' ~ band, 'depth_ask_quote_' ~ band) }} as imbalance_{{ band }},
        {%- endfor %}
        best_bid_amount,
        best_ask_amount,
        {%- for size in sizes %}
        {{ fill_slippage_bps('buy_fill', loop.index0, 'buy', 'mid', 'target_' ~ size, 'ask_notional') }} as slippage_buy_bps_{{ size }},
        {{ fill_slippage_bps('sell_fill', loop.index0, 'sell', 'mid', 'target_' ~ size, 'bid_notional') }} as slippage_sell_bps_{{ size }},
        case when is_two_sided then target_{{ size }} > ask_notional end as insufficient_depth_buy_{{ size }},
        case when is_two_sided then target_{{ size }} > bid_notional end as insufficient_depth_sell_{{ size }},
        {%- endfor %}
        usd_rate,
        usd_rate_source,
        usd_rate_exchange,
        usd_rate_ts,
        bid_levels,
        ask_levels,
        received_ts,
        source

    from fills

),

deduplicated as (

    -- the lake keeps a snapshot once, but a snapshot_id repeated across batch files must
    -- still count once (spec §1): the first received copy
    select * exclude (received_ts, source)
    from final
    {%- if has_repeats %}
    qualify row_number() over (partition by snapshot_id order by received_ts, source) = 1
    {%- endif %}

)

select * from deduplicated
