-- The USD rate of each usable snapshot of the built day (spec §2): 1.0-style rates for
-- the stable quotes of the seed; otherwise the mid of the spot market QUOTE/USDT from its
-- last usable two-sided snapshot at or before ts and at most 60 s old, on the same
-- exchange first, else on the other exchanges in alphabetical order of exchange id.
with

measured as (

    select * from {{ ref('int_orderbook_snapshots_measured') }}

),

stable_quotes as (

    select * from {{ ref('stg_seeds__usd_stable_quotes') }}

),

snapshots as (

    select * from measured
    where {{ day_filter() }}

),

reference_mids as (

    select
        base as currency,
        exchange as reference_exchange,
        ts as reference_ts,
        mid as reference_mid

    from measured
    where market_type = 'spot' and quote = 'USDT' and settle is null and is_two_sided
    -- one reference per venue and ts, so the ASOF match is deterministic
    qualify row_number() over (partition by base, exchange, ts order by snapshot_id) = 1

),

reference_venues as (

    select distinct currency, reference_exchange from reference_mids

),

needing_reference as (

    select
        snapshots.snapshot_id,
        snapshots.exchange,
        snapshots.quote,
        snapshots.ts,
        reference_venues.reference_exchange

    from snapshots
    inner join reference_venues on reference_venues.currency = snapshots.quote
    where snapshots.quote not in (select quote from stable_quotes)

),

latest_reference as (

    select
        needing_reference.*,
        reference_mids.reference_ts,
        reference_mids.reference_mid

    from needing_reference
    asof inner join reference_mids
        on reference_mids.currency = needing_reference.quote
        and reference_mids.reference_exchange = needing_reference.reference_exchange
        and needing_reference.ts >= reference_mids.reference_ts

),

chosen_reference as (

    select
        snapshot_id,
        reference_mid as usd_rate,
        case when reference_exchange = exchange then 'same_exchange' else 'other_exchange' end
            as usd_rate_source,
        reference_exchange as usd_rate_exchange,
        reference_ts as usd_rate_ts

    from latest_reference
    where ts - reference_ts <= 60000
    qualify row_number() over (
        partition by snapshot_id
        order by (reference_exchange = exchange) desc, reference_exchange
    ) = 1

),

rated as (

    select
        snapshots.*,
        coalesce(stable_quotes.usd_rate, chosen_reference.usd_rate) as usd_rate,
        case
            when stable_quotes.quote is not null then 'stable'
            when chosen_reference.snapshot_id is not null then chosen_reference.usd_rate_source
            else 'missing'
        end as usd_rate_source,
        chosen_reference.usd_rate_exchange,
        chosen_reference.usd_rate_ts

    from snapshots
    left join stable_quotes on stable_quotes.quote = snapshots.quote
    left join chosen_reference on chosen_reference.snapshot_id = snapshots.snapshot_id

)

select * from rated
