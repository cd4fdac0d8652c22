-- Failed fetches recorded by the collector; `day` is the UTC day of received_ts. A StreamOutOfSync row
-- (a streamed book out of sync, data set orderbooks) carries its interval [from, to) in its message
-- ('cause=<cause> unsynced_ms=<n> from=<ms> to=<ms>', checked before the lake): parsed into the
-- stream_* columns, NULL on every other row.
-- registers the lake's new files of the day first (an appending run refreshes from their rows)
{{ config(pre_hook="{{ register_lake_files('raw_fetch_errors') }}") }}
with

source as (

    select * from {{ lake_table('raw_fetch_errors') }}

),

parsed as (

    select
        *,
        case when error_class = 'StreamOutOfSync' then
            regexp_extract(message, {{ stream_out_of_sync_pattern() }}, ['cause', 'unsynced_ms', 'from_ts', 'to_ts'])
        end as stream

    from source

),

renamed as (

    select
        exchange,
        market_type,
        symbol,
        dataset,
        cast(day as date) as day,
        received_ts,
        error_class,
        message,
        nullif(stream.cause, '') as stream_cause,
        cast(nullif(stream.unsynced_ms, '') as bigint) as stream_unsynced_ms,
        cast(nullif(stream.from_ts, '') as bigint) as stream_from_ts,
        cast(nullif(stream.to_ts, '') as bigint) as stream_to_ts

    from parsed

)

select * from renamed
