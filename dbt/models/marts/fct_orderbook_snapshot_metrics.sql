{{ day_partitioned_incremental() }}
-- One row per usable order-book snapshot of the built day(s) with the spec §2 metrics.
with

rated as (

    select * from {{ ref('int_orderbook_snapshots_usd_rated') }}

),

-- the level lists again, only for the two-sided snapshots: the market-order walks need
-- the USD rate, known only after the rate lookup (the rated rows carry no lists)
two_sided_levels as (

    select
        levels.snapshot_id,
        rated.mid,
        rated.best_bid,
        rated.best_ask,
        rated.usd_rate,
        {{ levels_from_touch('levels.asks', 'ask') }} as asks_from_touch,
        {{ levels_from_touch('levels.bids', 'bid') }} as bids_from_touch

    from {{ ref('stg_lake__orderbook_snapshots') }} as levels
    inner join rated on rated.snapshot_id = levels.snapshot_id
    where levels.is_valid and {{ day_filter('levels.day') }} and rated.is_two_sided

),

fills as (

    select
        snapshot_id,
        mid,
        asks_from_touch[1].amount as best_ask_amount,
        bids_from_touch[1].amount as best_bid_amount,
        {%- set targets = [] %}
        {%- for size in standard_order_sizes_usd() %}{% do targets.append(size ~ ' / usd_rate') %}{% endfor %}
        {{ market_order_fill('asks_from_touch', targets) }} as buy_fill,
        {{ market_order_fill('bids_from_touch', targets) }} as sell_fill

    from two_sided_levels
    -- a snapshot_id present in two lake files joins twice: keep it once (narrow rows)
    qualify row_number() over (partition by snapshot_id) = 1

),

slippage as (

    select
        snapshot_id,
        best_bid_amount,
        best_ask_amount,
        {%- for size in standard_order_sizes_usd() %}
        {{ fill_slippage_bps('buy_fill', loop.index0, 'buy', 'mid') }} as slippage_buy_bps_{{ size }},
        {{ fill_slippage_bps('sell_fill', loop.index0, 'sell', 'mid') }} as slippage_sell_bps_{{ size }},
        buy_fill.r{{ loop.index0 }} > 0 as insufficient_depth_buy_{{ size }},
        sell_fill.r{{ loop.index0 }} > 0 as insufficient_depth_sell_{{ size }}{{ ',' if not loop.last }}
        {%- endfor %}

    from fills

),

final as (

    select
        rated.snapshot_id,
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
        slippage.best_bid_amount,
        slippage.best_ask_amount,
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
        {%- for size in standard_order_sizes_usd() %}
        slippage.slippage_buy_bps_{{ size }},
        slippage.slippage_sell_bps_{{ size }},
        slippage.insufficient_depth_buy_{{ size }},
        slippage.insufficient_depth_sell_{{ size }},
        {%- endfor %}
        usd_rate,
        usd_rate_source,
        usd_rate_exchange,
        usd_rate_ts,
        bid_levels,
        ask_levels

    from rated
    left join slippage on slippage.snapshot_id = rated.snapshot_id

)

select * from final
