{{ day_partitioned_incremental() }}
-- Market-order slippage (spec §2) per usable snapshot of the built day(s), and the touch amounts.
-- Its own mart, beside fct_orderbook_snapshot_metrics: walking the levels for 1k/10k/100k USD
-- orders costs several times the rest of the §2 metrics, and the compliance chain needs none of it.
{%- set sizes = standard_order_sizes_usd() %}
with

rated as (

    select * from {{ ref('int_orderbook_snapshots_usd_rated') }}

),

levels as (

    select snapshot_id, bids, asks
    from {{ ref('stg_lake__orderbook_snapshots') }}
    where is_valid and {{ day_filter() }}

),

-- the level lists again, for the two-sided snapshots: the market-order walks need the USD
-- rate, known only after the rate lookup (the rated rows carry no lists). rated is read
-- once (one streaming join), so it is never materialised.
with_levels as (

    select
        rated.*,
        {%- for size in sizes %}
        {{ size }} / rated.usd_rate as target_{{ size }},
        {%- endfor %}
        levels.bids,
        levels.asks,
        list_sum({{ level_notionals('levels.bids') }}) as bid_notional,
        list_sum({{ level_notionals('levels.asks') }}) as ask_notional

    from rated
    left join levels on levels.snapshot_id = rated.snapshot_id and rated.is_two_sided

),

-- the largest standard order (quote) each side can fill, and how far from the touch its
-- walk must look (computed once per row: a bound inside the lambdas would be per level)
walk_targets as (

    select
        *,
        {%- for side in ['bid', 'ask'] %}
        case
            {%- for size in sizes | reverse %}
            when target_{{ size }} <= {{ side }}_notional then target_{{ size }}
            {%- endfor %}
        end as {{ side }}_walk_target{{ ',' if not loop.last }}
        {%- endfor %}

    from with_levels

),

walk_bounds as (

    select
        * exclude (bid_walk_target, ask_walk_target),
        {{ walk_bound('ask', 'ask_walk_target', 'mid', 'best_ask', 'depth_ask_quote_') }} as ask_walk_bound,
        {{ walk_bound('bid', 'bid_walk_target', 'mid', 'best_bid', 'depth_bid_quote_') }} as bid_walk_bound

    from walk_targets

),

walked_levels as (

    select
        * exclude (bids, asks, bid_notional, ask_notional, bid_walk_bound, ask_walk_bound),
        {{ levels_from_touch("list_filter(asks, lambda level: level.price <= ask_walk_bound)", 'ask') }} as asks_walked,
        {{ levels_from_touch("list_filter(bids, lambda level: level.price >= bid_walk_bound)", 'bid') }} as bids_walked

    from walk_bounds

),

fills as (

    select
        * exclude (asks_walked, bids_walked),
        asks_walked[1].amount as best_ask_amount,
        bids_walked[1].amount as best_bid_amount,
        {%- set targets = [] %}
        {%- for size in sizes %}{% do targets.append('target_' ~ size) %}{% endfor %}
        {{ market_order_fill('asks_walked', targets) }} as buy_fill,
        {{ market_order_fill('bids_walked', targets) }} as sell_fill

    from walked_levels

),

final as (

    select
        snapshot_id,
        exchange,
        market_type,
        symbol,
        day,
        ts,
        time_bucket(interval 1 minute, epoch_ms(ts)) as minute,
        is_two_sided,
        mid,
        best_bid_amount,
        best_ask_amount,
        {%- for size in sizes %}
        {{ fill_slippage_bps('buy_fill', loop.index0, 'buy', 'mid') }} as slippage_buy_bps_{{ size }},
        {{ fill_slippage_bps('sell_fill', loop.index0, 'sell', 'mid') }} as slippage_sell_bps_{{ size }},
        case when is_two_sided then buy_fill.r{{ loop.index0 }} > 0 end as insufficient_depth_buy_{{ size }},
        case when is_two_sided then sell_fill.r{{ loop.index0 }} > 0 end as insufficient_depth_sell_{{ size }},
        {%- endfor %}
        usd_rate

    from fills
    -- a snapshot_id present in two lake files joins twice: keep it once
    qualify row_number() over (partition by snapshot_id) = 1

)

select * from final
