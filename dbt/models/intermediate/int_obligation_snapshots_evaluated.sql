{{ day_partitioned_incremental('ts') }}
-- Each usable snapshot of the built day(s) against each obligation of its market valid
-- that day (spec §3), with the depth at the obligation's own band (any bps).
with

obligations as (

    select * from {{ ref('stg_seeds__mm_obligations') }}

),

snapshot_metrics as (

    select * from {{ ref('fct_orderbook_snapshot_metrics') }}
    where {{ day_filter() }} {{ in_refresh() }}

),

obligation_snapshots as (

    select
        obligations.obligation_id,
        obligations.mm_name,
        obligations.max_spread_bps,
        obligations.depth_band_bps,
        obligations.min_depth_usd,
        snapshot_metrics.snapshot_id,
        snapshot_metrics.exchange,
        snapshot_metrics.market_type,
        snapshot_metrics.symbol,
        snapshot_metrics.day,
        snapshot_metrics.ts,
        snapshot_metrics.minute,
        snapshot_metrics.is_two_sided,
        snapshot_metrics.mid,
        snapshot_metrics.spread_bps,
        snapshot_metrics.usd_rate,
        {%- for band in standard_bands() %}
        snapshot_metrics.depth_bid_quote_{{ band }},
        snapshot_metrics.depth_ask_quote_{{ band }},
        snapshot_metrics.depth_truncated_bid_{{ band }},
        snapshot_metrics.depth_truncated_ask_{{ band }}{{ ',' if not loop.last }}
        {%- endfor %}

    from snapshot_metrics
    inner join obligations
        on obligations.exchange = snapshot_metrics.exchange
        and obligations.market_type = snapshot_metrics.market_type
        and obligations.symbol = snapshot_metrics.symbol
        and snapshot_metrics.day >= obligations.valid_from
        and (obligations.valid_to is null or snapshot_metrics.day < obligations.valid_to)

),

-- an obligation at a standard band: the snapshot mart holds its depth (the same macro, the same
-- doubles), so no level list is read again
standard_band_depths as (

    select
        * exclude (
            {%- for band in standard_bands() %}
            depth_bid_quote_{{ band }}, depth_ask_quote_{{ band }}, depth_truncated_bid_{{ band }},
            depth_truncated_ask_{{ band }}{{ ',' if not loop.last }}
            {%- endfor %}),
        {%- for quantity in ('depth_bid_quote', 'depth_ask_quote', 'depth_truncated_bid', 'depth_truncated_ask') %}
        case depth_band_bps
            {%- for band in standard_bands() %} when {{ band }} then {{ quantity }}_{{ band }}{% endfor %}
        end as {{ quantity }}{{ ',' if not loop.last }}
        {%- endfor %}

    from obligation_snapshots
    where depth_band_bps in ({{ standard_bands() | join(', ') }})

),

-- any other band: the depth from the snapshot's levels, read again from the lake for those markets only
snapshot_levels as (

    select snapshot_id, bids, asks
    from {{ ref('stg_lake__orderbook_snapshots') }}
    where is_valid and {{ day_filter() }} {{ in_refresh() }}
        and (exchange, market_type, symbol) in (
            select (exchange, market_type, symbol) from obligations
            where depth_band_bps not in ({{ standard_bands() | join(', ') }}))

),

level_lists as (

    select
        obligation_snapshots.* exclude (
            {%- for band in standard_bands() %}
            depth_bid_quote_{{ band }}, depth_ask_quote_{{ band }}, depth_truncated_bid_{{ band }},
            depth_truncated_ask_{{ band }}{{ ',' if not loop.last }}
            {%- endfor %}),
        {{ level_prices('snapshot_levels.bids') }} as bid_prices,
        {{ level_prices('snapshot_levels.asks') }} as ask_prices,
        {{ level_notionals('snapshot_levels.bids') }} as bid_notionals,
        {{ level_notionals('snapshot_levels.asks') }} as ask_notionals

    from obligation_snapshots
    inner join snapshot_levels on snapshot_levels.snapshot_id = obligation_snapshots.snapshot_id
    where obligation_snapshots.depth_band_bps not in ({{ standard_bands() | join(', ') }})

),

band_depths as (

    select
        * exclude (bid_prices, ask_prices, bid_notionals, ask_notionals),
        {{ band_depth_quote('bid_prices', 'bid_notionals', 'bid', 'mid', 'depth_band_bps') }} as depth_bid_quote,
        {{ band_depth_quote('ask_prices', 'ask_notionals', 'ask', 'mid', 'depth_band_bps') }} as depth_ask_quote,
        {{ band_depth_truncated('list_min(bid_prices)', 'bid', 'mid', 'depth_band_bps') }} as depth_truncated_bid,
        {{ band_depth_truncated('list_max(ask_prices)', 'ask', 'mid', 'depth_band_bps') }} as depth_truncated_ask

    from level_lists
    -- a snapshot_id present in two lake files joins twice: keep it once
    qualify row_number() over (partition by obligation_id, snapshot_id) = 1

),

every_band_depth as (

    select * from standard_band_depths
    union all by name
    select * from band_depths

),

evaluated as (

    select
        *,
        depth_bid_quote * usd_rate as depth_bid_usd,
        depth_ask_quote * usd_rate as depth_ask_usd,
        usd_rate is null as usd_rate_missing,
        coalesce(spread_bps <= max_spread_bps, false) as spread_ok,
        coalesce(depth_bid_quote * usd_rate >= min_depth_usd, false) as bid_ok,
        coalesce(depth_ask_quote * usd_rate >= min_depth_usd, false) as ask_ok

    from every_band_depth

),

final as (

    select
        obligation_id,
        snapshot_id,
        mm_name,
        exchange,
        market_type,
        symbol,
        day,
        ts,
        minute,
        is_two_sided,
        mid,
        spread_bps,
        depth_band_bps,
        depth_bid_quote,
        depth_ask_quote,
        usd_rate,
        usd_rate_missing,
        depth_bid_usd,
        depth_ask_usd,
        depth_truncated_bid,
        depth_truncated_ask,
        spread_ok,
        bid_ok,
        ask_ok,
        is_two_sided and spread_ok and bid_ok and ask_ok as compliant

    from evaluated

)

select * from final
