-- Quote currencies worth a fixed USD rate (spec §2), editable in seeds/usd_stable_quotes.csv.
with

source as (

    select * from {{ ref('usd_stable_quotes') }}

),

renamed as (

    select
        upper(trim(quote)) as quote,
        cast(usd_rate as double) as usd_rate

    from source

)

select * from renamed
