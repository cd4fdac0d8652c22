{{ day_partitioned_incremental(none) }}
-- One row per obligation per UTC day inside its validity (spec §3): uptime over covered
-- minutes, coverage, verdict, breach statistics and evidence for the reports.
with

obligation_days as (

    select * from {{ ref('int_obligation_days_enumerated') }}
    where true {{ in_refresh(none) }}

),

evaluated as (

    select * from {{ ref('int_obligation_snapshots_evaluated') }}
    where {{ day_filter() }}

),

episodes as (

    select * from {{ ref('fct_mm_breach_episodes') }}
    where {{ day_filter() }}

),

book_minutes as (

    select * from {{ ref('int_lake_rows_counted') }}
    where {{ day_filter() }} and dataset = 'orderbooks'

),

minutes as (

    select
        obligation_id,
        day,
        minute,
        avg(compliant::integer) as minute_compliance,
        avg(bid_ok::integer) as minute_bid_compliance,
        avg(ask_ok::integer) as minute_ask_compliance

    from evaluated
    group by obligation_id, day, minute

),

-- averages of doubles are taken in a fixed order: parallel summation in any order could
-- change the last bit between two builds of the same day

minute_stats as (

    select
        obligation_id,
        day,
        count(*) as covered_minutes,
        100 * avg(minute_compliance order by minute) as uptime_pct,
        100 * avg(minute_bid_compliance order by minute) as bid_uptime_pct,
        100 * avg(minute_ask_compliance order by minute) as ask_uptime_pct,
        count(*) filter (where minute_compliance < 1) as breach_minutes

    from minutes
    group by obligation_id, day

),

snapshot_stats as (

    select
        obligation_id,
        day,
        count(*) as usable_snapshots,
        count(*) filter (where compliant) as compliant_snapshots,
        count(*) filter (where not is_two_sided) as one_sided_snapshots,
        count(*) filter (where usd_rate_missing) as usd_rate_missing_snapshots,
        {{ exact_mean('spread_bps', order_by='ts, snapshot_id') }} as mean_spread_bps,
        median(spread_bps) as median_spread_bps,
        median(depth_bid_usd) as median_depth_bid_usd,
        median(depth_ask_usd) as median_depth_ask_usd

    from evaluated
    group by obligation_id, day

),

episode_stats as (

    select
        obligation_id,
        day,
        count(*) as breach_episodes,
        max(duration_s) as longest_breach_s

    from episodes
    group by obligation_id, day

),

invalid_stats as (

    select
        exchange,
        market_type,
        symbol,
        day,
        -- distinct invalid snapshot_ids of the day: a snapshot_id has one ts, so one minute
        sum(invalid_samples)::bigint as invalid_snapshots

    from book_minutes
    group by exchange, market_type, symbol, day

),

joined as (

    select
        obligation_days.obligation_id,
        obligation_days.day,
        obligation_days.mm_name,
        obligation_days.exchange,
        obligation_days.market_type,
        obligation_days.symbol,
        obligation_days.max_spread_bps,
        obligation_days.depth_band_bps,
        obligation_days.min_depth_usd,
        obligation_days.min_uptime_pct,
        obligation_days.min_coverage_pct,
        obligation_days.min_days_pct,
        obligation_days.alert_after_s,
        minute_stats.uptime_pct,
        minute_stats.bid_uptime_pct,
        minute_stats.ask_uptime_pct,
        -- UTC days have 1,440 minutes and validity is whole days
        100.0 * coalesce(minute_stats.covered_minutes, 0) / 1440 as coverage_pct,
        coalesce(minute_stats.covered_minutes, 0) as covered_minutes,
        coalesce(minute_stats.breach_minutes, 0) as breach_minutes,
        coalesce(episode_stats.breach_episodes, 0) as breach_episodes,
        coalesce(episode_stats.longest_breach_s, 0) as longest_breach_s,
        coalesce(snapshot_stats.usable_snapshots, 0) as usable_snapshots,
        coalesce(snapshot_stats.compliant_snapshots, 0) as compliant_snapshots,
        coalesce(invalid_stats.invalid_snapshots, 0) as invalid_snapshots,
        coalesce(snapshot_stats.one_sided_snapshots, 0) as one_sided_snapshots,
        coalesce(snapshot_stats.usd_rate_missing_snapshots, 0) as usd_rate_missing_snapshots,
        snapshot_stats.mean_spread_bps,
        snapshot_stats.median_spread_bps,
        snapshot_stats.median_depth_bid_usd,
        snapshot_stats.median_depth_ask_usd

    from obligation_days
    left join minute_stats using (obligation_id, day)
    left join snapshot_stats using (obligation_id, day)
    left join episode_stats using (obligation_id, day)
    left join invalid_stats using (exchange, market_type, symbol, day)

),

final as (

    select
        * exclude (min_days_pct, alert_after_s),
        case
            when coverage_pct < min_coverage_pct then 'insufficient_data'
            when uptime_pct >= min_uptime_pct then 'pass'
            else 'fail'
        end as verdict,
        min_days_pct,
        alert_after_s

    from joined

)

select * from final
