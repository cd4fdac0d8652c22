-- The (obligation, UTC day) pairs the daily compliance mart reports: the built day when
-- the var `day` is set (even with no data at all), else every day that has lake data
-- (order books or fetch errors); only days inside the obligation's validity
-- (valid_from inclusive, valid_to exclusive, NULL = open-ended).
with

obligations as (

    select * from {{ ref('stg_seeds__mm_obligations') }}

),

days as (

    {%- if built_day() is not none %}

    select date '{{ built_day() }}' as day

    {%- else %}

    select distinct day from {{ ref('stg_lake__orderbook_snapshots') }}
    union
    select distinct day from {{ ref('stg_lake__fetch_errors') }}

    {%- endif %}

),

enumerated as (

    select
        obligations.*,
        days.day

    from obligations
    inner join days
        on days.day >= obligations.valid_from
        and (obligations.valid_to is null or days.day < obligations.valid_to)

)

select * from enumerated
