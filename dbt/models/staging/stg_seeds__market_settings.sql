-- Per-market settings of the trade marts (seeds/market_settings.csv).
with

source as (

    select * from {{ ref('market_settings') }}

),

renamed as (

    select
        trim(exchange) as exchange,
        trim(market_type) as market_type,
        trim(symbol) as symbol,
        cast(whale_threshold_usd as double) as whale_threshold_usd

    from source

)

select * from renamed
