-- Each market's quote per UTC minute of the built day (spec §5): its last usable two-sided
-- snapshot in that minute (ties in ts by snapshot_id).
select
    exchange,
    market_type,
    symbol,
    base,
    quote,
    day,
    minute,
    ts,
    mid

from {{ ref('fct_orderbook_snapshot_metrics') }}
where is_two_sided and {{ day_filter() }}
qualify row_number() over (
    partition by exchange, market_type, symbol, minute order by ts desc, snapshot_id desc
) = 1
