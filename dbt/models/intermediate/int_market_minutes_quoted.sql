{{ day_partitioned_incremental('minute', 'minute', timestamp=true) }}
-- Each market's quote per UTC minute of the built day (spec §5): its last usable two-sided
-- snapshot in that minute (ties in ts by snapshot_id). A table (not ephemeral): the day-level
-- risk marts read the day's minutes from it instead of every snapshot of the day.
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
where is_two_sided and {{ day_filter() }} {{ in_refresh('ts', 'minute') }}
qualify row_number() over (
    partition by exchange, market_type, symbol, minute order by ts desc, snapshot_id desc
) = 1
