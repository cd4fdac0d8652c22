{{ day_partitioned_incremental('ts') }}
-- Bitget spot fund flow per market, kind, period and ts (quote currency), with totals.
with

readings as (

    select * from {{ ref('stg_lake__fund_flows') }}
    where {{ day_filter() }} {{ in_refresh() }}

),

final as (

    select
        exchange,
        market_type,
        symbol,
        base,
        quote,
        kind,
        period,
        day,
        ts,
        whale_buy_volume,
        whale_sell_volume,
        dolphin_buy_volume,
        dolphin_sell_volume,
        fish_buy_volume,
        fish_sell_volume,
        whale_buy_volume + dolphin_buy_volume + fish_buy_volume as total_buy_volume,
        whale_sell_volume + dolphin_sell_volume + fish_sell_volume as total_sell_volume,
        net_flow

    from readings

)

select * from final
