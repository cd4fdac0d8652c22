"""Spec §6 rules as DuckDB SQL over the marts, evaluated for every market at once.

Each minute rule yields one row per market (and obligation) per covered minute:
`rule, exchange, market_type, symbol, obligation_id, mm_name, minute, value, threshold, detail,
need, holds, severe` — `holds` is the rule's condition in that minute, `need` how many consecutive
rows must hold before it fires, `severe` whether the value alone makes it critical. Thresholds
come from the temp table `alert_params` (one row per market, columns `<rule>__<field>`).
`{W}` placeholders are the window bounds as TIMESTAMP literals (UTC, no time zone):
`{day}` the evaluated day, `{snap_from}` / `{trade_from}` the look-back starts, `{until}` the end.

Choices where the spec is silent (docs/alerts.md):
- minute value = the median over the minute's usable snapshots (one outlier snapshot neither
  fires nor clears a rule); a one-sided snapshot counts as an infinite spread, an imbalance of 1
  and a depth of 0 on its empty side (the MM is absent);
- "consecutive covered minutes": minutes without a usable snapshot neither count nor break a run.
"""
from __future__ import annotations

KEY = "exchange, market_type, symbol"
_SNAP_COLUMNS = ("exchange, market_type, symbol, ts, minute, is_two_sided, spread_bps, "
                 "imbalance_10, imbalance_50, imbalance_100, imbalance_200")

LOAD_SNAPSHOTS = f"""
create or replace temp table alert_snaps as
select {_SNAP_COLUMNS} from fct_orderbook_snapshot_metrics
where day between date '{{day}}' - 1 and date '{{day}}' and minute >= {{snap_from}} and minute < {{until}}
"""

_OUT = ("rule, exchange, market_type, symbol, obligation_id, mm_name, minute, value, threshold, detail, need, crit_need, "
        "coalesce(holds, false) as holds, coalesce(severe, false) as severe")

WIDE_SPREAD = f"""
select {_OUT}, from (
    select 'wide_spread' as rule, {KEY}, null::varchar as obligation_id, null::varchar as mm_name, minute,
        quantile_disc(coalesce(s.spread_bps, 'inf'::double), 0.5) as value,
        any_value(p.wide_spread__max_spread_bps) as threshold, null::double as detail,
        any_value(p.wide_spread__minutes) as need, ceil(need * {{duration_factor}}) as crit_need,
        value > threshold as holds, value >= threshold * {{value_factor}} as severe
    from alert_snaps s join alert_params p using ({KEY})
    where p.wide_spread__enabled
    group by all
)
"""

IMBALANCE = f"""
select {_OUT}, from (
    select 'imbalance' as rule, {KEY}, null::varchar as obligation_id, null::varchar as mm_name, minute,
        quantile_disc(coalesce(abs(case p.imbalance__band_bps when 10 then s.imbalance_10 when 50 then s.imbalance_50
            when 100 then s.imbalance_100 else s.imbalance_200 end), case when not s.is_two_sided then 1.0 end), 0.5) as value,
        any_value(p.imbalance__max_abs_imbalance) as threshold, any_value(p.imbalance__band_bps)::double as detail,
        any_value(p.imbalance__minutes) as need, ceil(need * {{duration_factor}}) as crit_need,
        value > threshold as holds, value >= threshold * {{value_factor}} as severe
    from alert_snaps s join alert_params p using ({KEY})
    where p.imbalance__enabled
    group by all
)
"""

THIN_BOOK = f"""
select {_OUT}, from (
    select 'thin_book' as rule, o.exchange, o.market_type, o.symbol, o.obligation_id, any_value(o.mm_name) as mm_name, o.minute,
        quantile_disc(least(coalesce(o.depth_bid_usd, 0), coalesce(o.depth_ask_usd, 0)), 0.5) as value,
        any_value(d.min_depth_usd) as threshold, any_value(o.depth_band_bps)::double as detail,
        any_value(p.thin_book__minutes) as need, ceil(need * {{duration_factor}}) as crit_need,
        value < threshold as holds, value <= threshold / {{value_factor}} as severe
    from int_obligation_snapshots_evaluated o
    join dim_obligations d using (obligation_id)
    join alert_params p on (p.exchange, p.market_type, p.symbol) = (o.exchange, o.market_type, o.symbol)
    where p.thin_book__enabled and not o.usd_rate_missing
        and o.day between date '{{day}}' - 1 and date '{{day}}' and o.minute >= {{snap_from}} and o.minute < {{until}}
    group by o.exchange, o.market_type, o.symbol, o.obligation_id, o.minute
)
"""

# The dual-condition spread rule lives in mmwatch/alerts/dual_spread.py (polars rolling windows).

# {window} minutes of volume against the {trailing} hours before them (one query per distinct pair).
VOLUME_SPIKE = f"""
with minutes as (
    select t.exchange, t.market_type, t.symbol, t.minute, coalesce(t.volume_usd, 0) as volume_usd,
        p.volume_spike__factor as factor, p.volume_spike__min_history_minutes as min_history
    from fct_trades_minute t join alert_params p using ({KEY})
    where p.volume_spike__enabled and p.volume_spike__window_minutes = {{window}}
        and p.volume_spike__trailing_hours = {{trailing}}
        and t.day >= date '{{day}}' - {{trailing_days}} and t.day <= date '{{day}}'
        and t.minute >= {{trade_from}} and t.minute < {{until}}
), rolled as (
    select *,
        sum(volume_usd) over (partition by {KEY} order by minute
            range between interval ({{window}} - 1) minute preceding and current row) as window_volume,
        sum(volume_usd) over (partition by {KEY} order by minute
            range between interval ({{trailing}} * 60 + {{window}} - 1) minute preceding
            and interval ({{window}}) minute preceding) as trailing_volume,
        min(minute) over (partition by {KEY}) as first_minute
    from minutes
), scored as (
    select *, date_diff('minute', greatest(first_minute, minute - interval ({{trailing}} * 60 + {{window}} - 1) minute),
                        minute - interval ({{window}}) minute) + 1 as history_minutes
    from rolled
)
select 'volume_spike' as rule, {KEY}, null::varchar as obligation_id, null::varchar as mm_name, minute,
    window_volume as value, factor * trailing_volume / history_minutes * {{window}} as threshold,
    trailing_volume / history_minutes * {{window}} as detail, 1 as need, null::double as crit_need,
    history_minutes >= min_history and trailing_volume > 0 and window_volume > threshold as holds,
    history_minutes >= min_history and trailing_volume > 0 and window_volume > threshold * {{value_factor}} as severe
from scored
where minute >= {{snap_from}}
"""

PRICE_MOVE = f"""
with candles as (
    select exchange, market_type, symbol, candle_start as minute, close from fct_candles_1m
    where day between date '{{day}}' - 1 and date '{{day}}' and candle_start >= {{trade_from}} and candle_start < {{until}}
), current as (
    select c.*, c.minute - to_minutes(p.price_move__lookback_minutes::bigint) as ref_minute,
        p.price_move__max_move_pct as threshold
    from candles c join alert_params p using ({KEY})
    where p.price_move__enabled
), moved as (
    select c.exchange, c.market_type, c.symbol, c.minute, c.threshold, earlier.close as earlier_close,
        abs(c.close - earlier.close) / earlier.close * 100 as move_pct, c.ref_minute, earlier.minute as earlier_minute
    from current c asof join candles earlier
        on c.exchange = earlier.exchange and c.market_type = earlier.market_type and c.symbol = earlier.symbol
        and c.ref_minute >= earlier.minute
)
select 'price_move' as rule, {KEY}, null::varchar as obligation_id, null::varchar as mm_name, minute,
    move_pct as value, threshold, earlier_close as detail, 1 as need, null::double as crit_need,
    move_pct > threshold as holds, move_pct >= threshold * {{value_factor}} as severe
from moved
where earlier_minute >= ref_minute - interval 5 minute and minute >= {{snap_from}}
"""

NO_DATA = f"""
with grid as (
    select m.exchange, m.market_type, m.symbol, p.no_data__minutes as need,
        unnest(generate_series({{grid_from}}, {{as_of}}, interval 1 minute)) as minute
    from alert_markets m join alert_params p using ({KEY})
    where p.no_data__enabled
), covered as (
    select distinct {KEY}, minute from alert_snaps
)
select 'no_data' as rule, g.exchange, g.market_type, g.symbol, null::varchar as obligation_id, null::varchar as mm_name,
    g.minute, null::double as value, null::double as threshold, null::double as detail, g.need,
    ceil(g.need * {{duration_factor}}) as crit_need,
    c.minute is null as holds, false as severe
from grid g left join covered c using ({KEY}, minute)
"""
