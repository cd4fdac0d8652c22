{#-
  Spec §4 aggregates of rated trades (int_trades_usd_rated) per market and `bucket`
  (an expression over the rows, e.g. the minute of ts, named `bucket_name`; none: per day), over the
  rows of the built day that `refresh` keeps (a predicate `and ...`: in_refresh). Used by the minute, hour and day
  marts so every grain computes the numbers the same way. `extra` adds aggregate columns.
  open/close: first/last trade by ts, ties by trade id (as a number when
  it is one, else as text; trade_key when there is no id); volumes in base units after contract size; USD sums over trades with a USD rate.
-#}
{%- macro trade_aggregates(relation, bucket=none, bucket_name=none, extra=[], refresh='') -%}
with

trades as (

    select
        *,
        {%- if bucket_name %}
        {{ bucket }} as {{ bucket_name }},
        {%- endif %}
        -- ties in ts go by trade id: numeric ids as numbers, others as text (trade_key)
        coalesce(try_cast(trade_id as hugeint), 0) as trade_order,
        coalesce(notional_usd >= whale_threshold_usd, false) as is_whale

    from {{ relation }}
    where {{ day_filter() }} {{ refresh }}

),

aggregated as (

    select
        exchange,
        market_type,
        symbol,
        any_value(base) as base,
        any_value(quote) as quote,
        day,
        {%- if bucket_name %}
        {{ bucket_name }},
        {%- endif %}
        count(*) as trade_count,
        sum(amount_base) as volume_base,
        sum(notional_quote) as volume_quote,
        sum(notional_usd) as volume_usd,
        count(*) - count(notional_usd) as trades_without_usd_rate,
        sum(price * amount_base) / nullif(sum(amount_base), 0) as vwap,
        coalesce(sum(notional_usd) filter (where taker_side = 'buy'), 0) as buy_volume_usd,
        coalesce(sum(notional_usd) filter (where taker_side = 'sell'), 0) as sell_volume_usd,
        count(*) filter (where is_whale) as whale_trades,
        any_value(whale_threshold_usd) as whale_threshold_usd,
        arg_min(price, (ts, trade_order, trade_key)) as open,
        max(price) as high,
        min(price) as low,
        arg_max(price, (ts, trade_order, trade_key)) as close
        {%- for column in extra %},
        {{ column }}
        {%- endfor %}

    from trades
    group by exchange, market_type, symbol, day{{ ', ' ~ bucket_name if bucket_name }}

),

final as (

    select
        *,
        buy_volume_usd / nullif(buy_volume_usd + sell_volume_usd, 0) as buy_ratio

    from aggregated

)

select * from final
{%- endmacro -%}
