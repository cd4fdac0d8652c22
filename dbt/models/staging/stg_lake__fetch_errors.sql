-- Failed fetches recorded by the collector; `day` is the UTC day of received_ts.
-- registers the lake's new files of the day first (an appending run refreshes from their rows)
{{ config(pre_hook="{{ register_lake_files('raw_fetch_errors') }}") }}
with

source as (

    select * from {{ lake_table('raw_fetch_errors') }}

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
        message

    from source

)

select * from renamed
