{{ day_partitioned_incremental(none) }}
-- Pearson correlation of 1-minute log returns between two spot markets on one exchange, per UTC day.
with

returns as (

    select * from {{ ref('int_minute_returns_computed') }}
    where market_type = 'spot' and {{ day_filter() }} {{ in_refresh(none) }}

),

paired as (

    select
        a.exchange,
        a.day,
        a.symbol as symbol_a,
        b.symbol as symbol_b,
        a.base as base_a,
        b.base as base_b,
        a.log_return as return_a,
        b.log_return as return_b

    from returns as a
    inner join returns as b
        on b.exchange = a.exchange
        and b.day = a.day
        and b.minute = a.minute
        and b.symbol > a.symbol

),

final as (

    select
        exchange,
        day,
        symbol_a,
        symbol_b,
        any_value(base_a) as base_a,
        any_value(base_b) as base_b,
        count(*) as common_minutes,
        -- undefined (NULL) with fewer than 2 common returns or a constant series
        case when count(*) >= 2 and var_pop(return_a) > 0 and var_pop(return_b) > 0
            then greatest(-1.0, least(1.0, corr(return_a, return_b))) end as return_correlation

    from paired
    group by exchange, day, symbol_a, symbol_b

)

select * from final
