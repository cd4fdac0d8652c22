{{ day_partitioned_incremental('minute', 'minute', timestamp=true) }}
-- The lake rows of each market, data set (orderbooks, trades, fetch_errors) and UTC minute of the
-- built day(s), counted as fct_data_coverage_daily and fct_mm_compliance_daily count them, with
-- what the day's order-book gaps need: the first and last book time of the minute and the gaps
-- longer than 2 cadences between consecutive book times inside it. A snapshot_id has one ts, so
-- distinct ids per day are the sum of distinct ids per minute; the day-level marts roll this up
-- instead of reading the lake again.
{%- set cadence_s = var('orderbook_cadence_s', 10) %}
with

books as (

    -- a snapshot in two lake files is one row of the counts (distinct ids) and a zero gap
    select exchange, market_type, symbol, day, ts, snapshot_id, is_valid
    from {{ ref('stg_lake__orderbook_snapshots') }}
    where {{ day_filter() }} {{ in_refresh('ts', 'minute') }}

),

book_times as (

    select
        exchange, market_type, symbol, day,
        time_bucket(interval 1 minute, epoch_ms(ts)) as minute,
        ts,
        lag(ts) over (partition by exchange, market_type, symbol, day, time_bucket(interval 1 minute, epoch_ms(ts))
                      order by ts) as previous_ts
    from books

),

book_gaps as (

    select
        exchange, market_type, symbol, day, minute,
        list({'start_ts': previous_ts, 'end_ts': ts} order by previous_ts)
            filter (where ts - previous_ts > 2 * {{ cadence_s }} * 1000) as gaps
    from book_times
    group by exchange, market_type, symbol, day, minute

),

book_minutes as (

    select
        exchange, market_type, symbol, day,
        time_bucket(interval 1 minute, epoch_ms(ts)) as minute,
        'orderbooks' as dataset,
        count(distinct snapshot_id) as received_samples,
        count(distinct snapshot_id) filter (where is_valid) as usable_samples,
        count(distinct snapshot_id) filter (where not is_valid) as invalid_samples,
        min(ts) as first_ts,
        max(ts) as last_ts
    from books
    group by all

),

trade_minutes as (

    select
        exchange, market_type, symbol, day,
        time_bucket(interval 1 minute, epoch_ms(ts)) as minute,
        'trades' as dataset,
        count(*) as received_samples,
        count(*) as usable_samples,
        0::bigint as invalid_samples,
        min(ts) as first_ts,
        max(ts) as last_ts
    from {{ ref('stg_lake__trades') }}
    where {{ day_filter() }} {{ in_refresh('ts', 'minute') }}
    group by all

),

error_minutes as (

    select
        exchange, market_type, symbol, day,
        time_bucket(interval 1 minute, epoch_ms(received_ts)) as minute,
        'fetch_errors' as dataset,
        count(*) as received_samples,
        0::bigint as usable_samples,
        0::bigint as invalid_samples,
        min(received_ts) as first_ts,
        max(received_ts) as last_ts
    from {{ ref('stg_lake__fetch_errors') }}
    where {{ day_filter() }} {{ in_refresh('received_ts', 'minute') }}
    group by all

),

final as (

    select
        book_minutes.*,
        coalesce(book_gaps.gaps, []) as gaps
    from book_minutes
    left join book_gaps using (exchange, market_type, symbol, day, minute)
    union all by name
    select * from trade_minutes
    union all by name
    select * from error_minutes

)

select * from final
