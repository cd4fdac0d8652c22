-- Failed fetches recorded by the collector; `day` is the UTC day of received_ts.
-- depends_on: {{ ref('int_lake_files_listed') }} (listed first: an appending run reads what is new)
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
