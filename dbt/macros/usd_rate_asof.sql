{#-
  The spec §2 USD-rate lookup for events that are not priced in a stable quote, as CTEs
  (written after a `with`, followed by a comma). For every event of the relation `events`
  (columns: the `keys`, exchange, quote, ts) whose quote is not in `stable_quotes`
  (column quote), the CTE `chosen_reference` holds the `keys` and

    usd_rate           the mid of the spot market QUOTE/USDT from its last usable two-sided
                       snapshot at or before ts and at most 60 s old, on the event's own
                       exchange first, else the other exchanges in alphabetical order of id;
    usd_rate_source    'same_exchange' / 'other_exchange';
    usd_rate_exchange  the exchange whose snapshot gave the rate;
    usd_rate_ts        that snapshot's ts.

  `reference_mids` has one row per (currency, reference_exchange, reference_ts) with
  reference_mid (one row per venue and ts keeps the ASOF match deterministic). Events
  without a rate have no row: the caller's left join leaves them NULL ('missing').
  Used by int_orderbook_snapshots_usd_rated (snapshots) and int_trades_usd_rated (trades).
-#}
{%- macro usd_rate_asof(events, keys, reference_mids, stable_quotes) -%}

reference_venues as (

    select distinct currency, reference_exchange from {{ reference_mids }}

),

needing_reference as (

    select
        {%- for column in keys + (['exchange', 'quote', 'ts'] | reject('in', keys) | list) %}
        events.{{ column }},
        {%- endfor %}
        reference_venues.reference_exchange

    from {{ events }} as events
    inner join reference_venues on reference_venues.currency = events.quote
    where events.quote not in (select quote from {{ stable_quotes }})

),

latest_reference as (

    select
        needing_reference.*,
        reference_mids.reference_ts,
        reference_mids.reference_mid

    from needing_reference
    asof inner join {{ reference_mids }} as reference_mids
        on reference_mids.currency = needing_reference.quote
        and reference_mids.reference_exchange = needing_reference.reference_exchange
        and needing_reference.ts >= reference_mids.reference_ts

),

chosen_reference as (

    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        reference_mid as usd_rate,
        case when reference_exchange = exchange then 'same_exchange' else 'other_exchange' end
            as usd_rate_source,
        reference_exchange as usd_rate_exchange,
        reference_ts as usd_rate_ts

    from latest_reference
    where ts - reference_ts <= 60000
    qualify row_number() over (
        partition by {{ keys | join(', ') }}
        order by (reference_exchange = exchange) desc, reference_exchange
    ) = 1

)
{%- endmacro -%}
