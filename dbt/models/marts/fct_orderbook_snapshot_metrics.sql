{{ day_partitioned_incremental() }}
-- One row per usable order-book snapshot of the built day(s) with the spec §2 metrics.
with

rated as (

    select * from {{ ref('int_orderbook_snapshots_usd_rated') }}

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
        usd_rate,
        usd_rate_source,
        usd_rate_exchange,
        usd_rate_ts,
        bid_levels,
        ask_levels

    from rated

)

select * from final
