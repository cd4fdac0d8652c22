-- The USD rate (spec §2) of each usable snapshot of the built day whose quote is not a stable
-- quote of the seed: the mid of the spot market QUOTE/USDT from its last usable two-sided
-- snapshot at or before ts and at most 60 s old, on the same exchange first, else on the other
-- exchanges in alphabetical order of exchange id (macro usd_rate_asof). Narrow: no level list
-- is read except those of the few QUOTE/USDT reference markets, so it stays cheap beside the
-- one pass over every snapshot's levels in fct_orderbook_snapshot_metrics. In an appending run only
-- the snapshots at or after that mart's refresh start are rated, from the books of the 60 s before.
{%- set refresh = in_refresh(of='fct_orderbook_snapshot_metrics') %}
{%- set reference_refresh = in_refresh(lookback_ms=60000, of='fct_orderbook_snapshot_metrics') %}
{#- The currencies to price (the day's non-stable quotes), as constants when the model runs: a
    `base in (subquery)` is only applied after every spot USDT book's level lists were read
    (~7 s of the 200-market day), a constant list is pushed into the lake scan (~0.4 s). -#}
{%- set currencies = [] %}
{%- if execute %}
  {%- set currencies = run_query("select distinct quote from " ~ ref('stg_lake__orderbook_snapshots')
        ~ " where is_valid and " ~ day_filter() ~ " " ~ refresh ~ " and quote not in (select quote from "
        ~ ref('stg_seeds__usd_stable_quotes') ~ ") order by 1").columns[0].values() | list %}
{%- endif %}
with

stable_quotes as (

    select * from {{ ref('stg_seeds__usd_stable_quotes') }}

),

-- the built day's usable snapshots priced in a non-stable quote, once per snapshot_id
events as (

    select distinct snapshot_id, exchange, quote, ts
    from {{ ref('stg_lake__orderbook_snapshots') }}
    where is_valid and {{ day_filter() }} {{ refresh }} and quote not in (select quote from stable_quotes)

),

-- the QUOTE/USDT spot books that can price those events (built day and its last 60 s before)
reference_books as (

    select
        base as currency,
        exchange as reference_exchange,
        ts as reference_ts,
        snapshot_id,
        list_max({{ level_prices('bids') }}) as best_bid,
        list_min({{ level_prices('asks') }}) as best_ask

    from {{ ref('stg_lake__orderbook_snapshots') }}
    where is_valid and {{ day_filter(lookback_ms=60000) }} {{ reference_refresh }}
        and market_type = 'spot' and quote = 'USDT' and settle is null
        and base in ({% for currency in currencies %}'{{ currency | replace("'", "''") }}'{{ ', ' if not loop.last }}{% else %}null{% endfor %})

),

reference_mids as (

    select
        currency,
        reference_exchange,
        reference_ts,
        (best_bid + best_ask) / 2 as reference_mid

    from reference_books
    where best_bid is not null and best_ask is not null
    -- one reference per venue and ts, so the ASOF match is deterministic
    qualify row_number() over (partition by currency, reference_exchange, reference_ts order by snapshot_id) = 1

),

{{ usd_rate_asof('events', ['snapshot_id'], 'reference_mids', 'stable_quotes') }}

select * from chosen_reference
