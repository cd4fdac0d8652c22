{{ day_partitioned_incremental(none) }}
-- One row per market, UTC day and data set (orderbooks, trades, fetch_errors) of the
-- built day(s): expected vs received samples at the configured cadence and, for order
-- books, the gaps (start, end) between consecutive snapshots longer than 2 cadences and the
-- time a streamed book was out of sync (StreamOutOfSync intervals, split at UTC midnight). Rolled
-- up from the per-minute counts of int_lake_rows_counted (the day's books are not read again).
{%- set cadence_s = var('orderbook_cadence_s', 10) %}
{%- set day = built_day() %}
with

minutes as (

    select * from {{ ref('int_lake_rows_counted') }}
    where {{ day_filter() }} {{ in_refresh(none) }}

),

book_minutes as (

    select * from minutes where dataset = 'orderbooks'

),

-- every out-of-sync interval of a streamed book that overlaps the built day(s): it lands on the day
-- it ended, so a day reads its own partition and the later ones (an interval that started before
-- midnight); the same interval landed twice (an import of what was collected) counts once
stream_intervals as (

    select distinct
        exchange, market_type, symbol, stream_cause as cause, stream_from_ts as from_ts, stream_to_ts as to_ts
    from {{ ref('stg_lake__fetch_errors') }}
    where error_class = 'StreamOutOfSync' and dataset = 'orderbooks'
        {%- if day is not none %}
        and day >= date '{{ day }}' and stream_from_ts < epoch_ms(date '{{ day }}' + interval 1 day)
        {%- endif %}
        {{ in_refresh(none) }}

),

-- each interval cut at every UTC midnight it crosses: one part per day it overlaps
stream_parts as (

    select
        exchange, market_type, symbol, day, cause,
        greatest(from_ts, epoch_ms(day::timestamp)) as part_from_ts,
        least(to_ts, epoch_ms(day::timestamp + interval 1 day)) as part_to_ts
    from (
        select
            *,
            unnest(generate_series(date_trunc('day', epoch_ms(from_ts)),
                                   date_trunc('day', epoch_ms(greatest(from_ts, to_ts - 1))),
                                   interval 1 day))::date as day
        from stream_intervals
    )
    where {{ day_filter() }}

),

stream_causes as (

    select
        exchange, market_type, symbol, day,
        list({'cause': cause, 'events': events, 'unsynced_s': unsynced_ms / 1000.0} order by cause)
            as stream_unsynced_by_cause
    from (
        select exchange, market_type, symbol, day, cause, count(*) as events,
               sum(part_to_ts - part_from_ts) as unsynced_ms
        from stream_parts
        group by all
    )
    group by all

),

stream_days as (

    select
        exchange, market_type, symbol, day,
        count(*)::bigint as stream_out_of_sync_events,
        sum(part_to_ts - part_from_ts) / 1000.0 as stream_unsynced_s,
        any_value(stream_causes.stream_unsynced_by_cause) as stream_unsynced_by_cause,
        list({'cause': cause, 'from_ts': part_from_ts, 'to_ts': part_to_ts} order by part_from_ts, cause)
            as stream_unsynced_intervals
    from stream_parts
    join stream_causes using (exchange, market_type, symbol, day)
    group by all

),

-- a market whose streamed book was out of sync on a day without a single book of it: its order-book
-- row has no sample and the whole day as one gap
unsampled_stream_days as (

    select exchange, market_type, symbol, day from stream_days
    anti join book_minutes using (exchange, market_type, symbol, day)

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
    union all
    select exchange, market_type, symbol, day, epoch_ms(day::timestamp), epoch_ms(day::timestamp + interval 1 day)
    from unsampled_stream_days

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
    union all
    select
        exchange, market_type, symbol, day, 'orderbooks', {{ cadence_s }}::double, 86400 // {{ cadence_s }},
        0, 0
    from unsampled_stream_days

),

-- the stream columns of every order-book row: 0 and empty lists for a market never out of sync
stream_columns as (

    select
        exchange, market_type, symbol, day, dataset,
        coalesce(stream_out_of_sync_events, 0) as stream_out_of_sync_events,
        coalesce(stream_unsynced_s, 0) as stream_unsynced_s,
        coalesce(stream_unsynced_by_cause, []) as stream_unsynced_by_cause,
        coalesce(stream_unsynced_intervals, []) as stream_unsynced_intervals
    from counts
    left join stream_days using (exchange, market_type, symbol, day)
    where dataset = 'orderbooks'

),

final as (

    select
        counts.*,
        100.0 * least(counts.received_samples, counts.expected_samples) / counts.expected_samples
            as coverage_pct,
        case when counts.dataset = 'orderbooks' then coalesce(book_gaps.gap_count, 0) end as gap_count,
        case when counts.dataset = 'orderbooks' then coalesce(book_gaps.longest_gap_s, 0) end as longest_gap_s,
        case when counts.dataset = 'orderbooks' then coalesce(book_gaps.gaps, []) end as gaps,
        stream_columns.* exclude (exchange, market_type, symbol, day, dataset)

    from counts
    left join stream_columns using (exchange, market_type, symbol, day, dataset)
    left join book_gaps
        on counts.dataset = 'orderbooks'
        and book_gaps.exchange = counts.exchange
        and book_gaps.market_type = counts.market_type
        and book_gaps.symbol = counts.symbol
        and book_gaps.day = counts.day

)

select * from final
