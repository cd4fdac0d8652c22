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

snapshot_levels as (

    select snapshot_id, bids, asks
    from {{ ref('stg_lake__orderbook_snapshots') }}
    where is_valid and {{ day_filter() }} {{ in_refresh() }}
        and (exchange, market_type, symbol) in (select (exchange, market_type, symbol) from obligations)

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
        snapshot_levels.bids,
        snapshot_levels.asks

    from snapshot_metrics
    inner join obligations
        on obligations.exchange = snapshot_metrics.exchange
        and obligations.market_type = snapshot_metrics.market_type
        and obligations.symbol = snapshot_metrics.symbol
        and snapshot_metrics.day >= obligations.valid_from
        and (obligations.valid_to is null or snapshot_metrics.day < obligations.valid_to)
    inner join snapshot_levels on snapshot_levels.snapshot_id = snapshot_metrics.snapshot_id

),

level_lists as (

    select
        * exclude (bids, asks),
        {{ level_prices('bids') }} as bid_prices,
        {{ level_prices('asks') }} as ask_prices,
        {{ level_notionals('bids') }} as bid_notionals,
        {{ level_notionals('asks') }} as ask_notionals

    from obligation_snapshots

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

evaluated as (

    select
        *,
        depth_bid_quote * usd_rate as depth_bid_usd,
        depth_ask_quote * usd_rate as depth_ask_usd,
        usd_rate is null as usd_rate_missing,
        coalesce(spread_bps <= max_spread_bps, false) as spread_ok,
        coalesce(depth_bid_quote * usd_rate >= min_depth_usd, false) as bid_ok,
        coalesce(depth_ask_quote * usd_rate >= min_depth_usd, false) as ask_ok

    from band_depths

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
