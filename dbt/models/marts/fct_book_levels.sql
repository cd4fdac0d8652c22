{{ day_partitioned_incremental('ts', 'minute', lookback_ms=breach_gap_ms()) }}
-- The order-book levels of the snapshots that matter, one row per level: per market the last usable
-- snapshot of each minute, and every snapshot where a breach episode of an obligation on the market
-- starts or ends (spec §3's rule, macros/breach_episode_rules.sql). Each side's first
-- `book_levels_per_side` levels from the touch (dbt var, default 25), in base units. The size is
-- bounded: at most (1,440 + 2 × episodes) snapshots × 2 × book_levels_per_side rows per market-day.
-- An appending refresh from ts F rewrites the rows from the minute of F less 120 s: whether a
-- snapshot ends an episode depends on the usable snapshot after it, which can only have changed for
-- a snapshot at most 120 s before F (one further back is followed by a gap of more than 120 s
-- either way); the judged snapshots are read from 120 s before that, so each refreshed snapshot
-- sees the one before it (or one more than 120 s older, which decides the same).
{%- set per_side = var('book_levels_per_side', 25) | int %}
with

snapshot_metrics as (

    select snapshot_id, exchange, market_type, symbol, day, ts, minute, mid, usd_rate, bid_levels, ask_levels
    from {{ ref('fct_orderbook_snapshot_metrics') }}
    where {{ day_filter() }} {{ in_refresh('ts', 'minute', lookback_ms=breach_gap_ms()) }}

),

-- the last usable snapshot of each market minute
minute_snapshots as (

    select snapshot_id
    from snapshot_metrics
    qualify row_number() over (partition by exchange, market_type, symbol, minute order by ts desc, snapshot_id desc) = 1

),

judged as (

    select obligation_id, snapshot_id, day, ts, compliant
    from {{ ref('int_obligation_snapshots_evaluated') }}
    where {{ day_filter() }} {{ in_refresh('ts', 'minute', lookback_ms=2 * breach_gap_ms()) }}

),

sequenced as (

    select
        *,
        {{ breach_episode_neighbours() }}

    from judged
    {{ breach_episode_window() }}

),

-- where each obligation's episodes start, and end: at the compliant snapshot that ends a run, or at
-- a run's last snapshot when a gap or the end of the day ends it
episode_bounds as (

    select
        snapshot_id,
        string_agg(obligation_id, ',' order by obligation_id) filter (where starts) as breach_start_of,
        string_agg(obligation_id, ',' order by obligation_id) filter (where ends) as breach_end_of

    from (
        select
            *,
            {{ starts_breach_episode('compliant', 'ts', 'previous_ts', 'previous_compliant') }} as starts,
            (compliant and not previous_compliant and {{ breach_episode_ended_by('ts', 'previous_ts') }} = 'compliant')
                or (not compliant and {{ breach_episode_ended_by('next_ts', 'ts') }} <> 'compliant') as ends
        from sequenced
    )
    where starts or ends
    group by snapshot_id

),

kept as (

    select
        snapshot_metrics.*,
        minute_snapshots.snapshot_id is not null as is_minute_snapshot,
        episode_bounds.breach_start_of,
        episode_bounds.breach_end_of

    from snapshot_metrics
    left join minute_snapshots using (snapshot_id)
    left join episode_bounds using (snapshot_id)
    where minute_snapshots.snapshot_id is not null or episode_bounds.snapshot_id is not null

),

-- their levels (base units, zero amounts dropped: staging), the first received copy of each snapshot
levels as (

    select
        snapshot_id,
        exchange_ts,
        received_ts,
        list_slice({{ levels_from_touch('bids', 'bid') }}, 1, {{ per_side }}) as bids,
        list_slice({{ levels_from_touch('asks', 'ask') }}, 1, {{ per_side }}) as asks

    from {{ ref('stg_lake__orderbook_snapshots') }}
    where is_valid and {{ day_filter() }} {{ in_refresh('ts', 'minute', lookback_ms=breach_gap_ms()) }}
        and snapshot_id in (select snapshot_id from kept)
    qualify row_number() over (partition by snapshot_id order by received_ts, source) = 1

),

sides as (

    select snapshot_id, exchange_ts, received_ts, 'bid' as side, bids as side_levels from levels
    union all
    select snapshot_id, exchange_ts, received_ts, 'ask' as side, asks as side_levels from levels

),

exploded as (

    select
        snapshot_id,
        exchange_ts,
        received_ts,
        side,
        unnest(list_transform(side_levels, lambda level, i: {'level': i, 'price': level.price, 'amount': level.amount}),
               recursive := true)

    from sides

),

final as (

    select
        kept.day,
        kept.exchange,
        kept.market_type,
        kept.symbol,
        kept.snapshot_id,
        kept.ts,
        exploded.exchange_ts,
        exploded.received_ts,
        kept.minute,
        kept.is_minute_snapshot,
        kept.breach_start_of,
        kept.breach_end_of,
        kept.mid,
        kept.usd_rate,
        kept.bid_levels,
        kept.ask_levels,
        exploded.side,
        exploded.level::integer as level,
        exploded.price,
        exploded.amount,
        exploded.price * exploded.amount as notional_quote,
        exploded.price * exploded.amount * kept.usd_rate as notional_usd,
        sum(exploded.price * exploded.amount) over (
            partition by kept.snapshot_id, exploded.side order by exploded.level rows unbounded preceding
        ) * kept.usd_rate as cumulative_usd

    from kept
    inner join exploded using (snapshot_id)

)

select * from final
