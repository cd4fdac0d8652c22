{{ day_partitioned_incremental(none) }}
-- One row per market, UTC day and data set (orderbooks, trades, fetch_errors) of the
-- built day(s): expected vs received samples at the configured cadence and, for order
-- books, the gaps (start, end) between consecutive snapshots longer than 2 cadences. Rolled up
-- from the per-minute counts of int_lake_rows_counted (the day's lake is not read again).
{%- set cadence_s = var('orderbook_cadence_s', 10) %}
with

minutes as (

    select * from {{ ref('int_lake_rows_counted') }}
    where {{ day_filter() }} {{ in_refresh(none) }}

),

book_minutes as (

    select * from minutes where dataset = 'orderbooks'

),

-- the gaps inside each minute, then the intervals between minutes: from the previous book (or the
-- day's start) to the minute's first book, and from the day's last book to the day's end
book_intervals as (

    select exchange, market_type, symbol, day, gap.start_ts as gap_start_ts, gap.end_ts as gap_end_ts
    from (select exchange, market_type, symbol, day, unnest(gaps) as gap from book_minutes)
    union all
    select
        exchange, market_type, symbol, day,
        coalesce(lag(last_ts) over (partition by exchange, market_type, symbol, day order by minute),
                 epoch_ms(day::timestamp)),
        first_ts
    from book_minutes
    union all
    select exchange, market_type, symbol, day, max(last_ts), epoch_ms(day::timestamp + interval 1 day)
    from book_minutes
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

counts as (

    select
        exchange, market_type, symbol, day, dataset,
        case when dataset = 'orderbooks' then {{ cadence_s }}::double end as cadence_s,
        case when dataset = 'orderbooks' then 86400 // {{ cadence_s }} end::bigint as expected_samples,
        sum(received_samples)::bigint as received_samples,
        sum(usable_samples)::bigint as usable_samples
    from minutes
    group by exchange, market_type, symbol, day, dataset

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
