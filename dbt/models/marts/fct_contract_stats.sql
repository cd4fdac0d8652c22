{{ day_partitioned_incremental('ts') }}
-- Gate contract stats per market, interval and ts, with contract amounts in base units.
with

readings as (

    select * from {{ ref('stg_lake__contract_stats') }}
    where {{ day_filter() }} {{ in_refresh() }}

),

final as (

    select
        exchange,
        market_type,
        symbol,
        base,
        quote,
        interval,
        day,
        ts,
        mark_price,
        open_interest,
        open_interest * contract_size as open_interest_base,
        open_interest_usd,
        lsr_taker,
        lsr_account,
        top_lsr_account,
        top_lsr_size,
        long_liq_size,
        long_liq_size * contract_size as long_liq_base,
        long_liq_usd,
        short_liq_size,
        short_liq_size * contract_size as short_liq_base,
        short_liq_usd,
        contract_size

    from readings

)

select * from final
