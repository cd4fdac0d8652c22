{{ day_partitioned_incremental() }}
-- One row per market, UTC day and data set (orderbooks, trades, fetch_errors) of the
-- built day(s): expected vs received samples at the configured cadence and, for order
-- books, the gaps (start, end) between consecutive snapshots longer than 2 cadences.
{%- set cadence_s = var('orderbook_cadence_s', 10) %}
with

books as (

    select distinct exchange, market_type, symbol, day, ts, snapshot_id, is_valid
    from {{ ref('stg_lake__orderbook_snapshots') }}
    where {{ day_filter() }}

),

-- consecutive book times, with the day's start and end as the outer bounds
book_intervals as (

    select
        exchange, market_type, symbol, day,
        coalesce(lag(ts) over (partition by exchange, market_type, symbol, day order by ts),
                 epoch_ms(day::timestamp)) as gap_start_ts,
        ts as gap_end_ts
    from books
    union all
    select exchange, market_type, symbol, day, max(ts), epoch_ms(day::timestamp + interval 1 day)
    from books
    group by exchange, market_type, symbol, day

),

book_gaps as (

    select
        exchange, market_type, symbol, day,
        count(*) as gap_count,
        max(gap_end_ts - gap_start_ts) / 1000.0 as longest_gap_s,
        list({'start_ts': gap_start_ts, 'end_ts': gap_end_ts} order by gap_start_ts) as gaps
    from book_intervals
    where gap_end_ts - gap_start_ts > 2 * {{ cadence_s }} * 1000
    group by exchange, market_type, symbol, day

),

book_counts as (

    select
        exchange, market_type, symbol, day,
        'orderbooks' as dataset,
        {{ cadence_s }}::double as cadence_s,
        86400 // {{ cadence_s }} as expected_samples,
        count(distinct snapshot_id) as received_samples,
        count(distinct snapshot_id) filter (where is_valid) as usable_samples
    from books
    group by exchange, market_type, symbol, day

),

trade_counts as (

    select
        exchange, market_type, symbol, day,
        'trades' as dataset,
        null::double as cadence_s,
        null::bigint as expected_samples,
        count(*) as received_samples,
        count(*) as usable_samples
    from {{ ref('stg_lake__trades') }}
    where {{ day_filter() }}
    group by exchange, market_type, symbol, day

),

error_counts as (

    select
        exchange, market_type, symbol, day,
        'fetch_errors' as dataset,
        null::double as cadence_s,
        null::bigint as expected_samples,
        count(*) as received_samples,
        0::bigint as usable_samples
    from {{ ref('stg_lake__fetch_errors') }}
    where {{ day_filter() }}
    group by exchange, market_type, symbol, day

),

counts as (

    select * from book_counts
    union all by name
    select * from trade_counts
    union all by name
    select * from error_counts

),

final as (

    select
        counts.*,
        100.0 * least(counts.received_samples, counts.expected_samples) / counts.expected_samples
            as coverage_pct,
        case when counts.dataset = 'orderbooks' then coalesce(book_gaps.gap_count, 0) end as gap_count,
        case when counts.dataset = 'orderbooks' then coalesce(book_gaps.longest_gap_s, 0) end as longest_gap_s,
        case when counts.dataset = 'orderbooks' then coalesce(book_gaps.gaps, []) end as gaps

    from counts
    left join book_gaps
        on counts.dataset = 'orderbooks'
        and book_gaps.exchange = counts.exchange
        and book_gaps.market_type = counts.market_type
        and book_gaps.symbol = counts.symbol
        and book_gaps.day = counts.day

)

select * from final
