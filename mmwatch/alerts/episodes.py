"""From per-minute conditions to alert episodes: when a rule fires, escalates and clears.

A run = consecutive condition rows (covered minutes; a dense minute grid for no_data) of one key
where the condition holds. It fires at its `need`-th row, turns critical at its
`crit_need`-th row (need x duration_factor for the minute-run rules, 5 x duration_factor
minutes for the dual-condition spread, never for spikes and moves) or at the first severe row, and closes at the next
row where the condition does not hold (open while no such row exists yet). Every rule only looks at
data up to the minute it judges, so one evaluation of a day gives the same fire and close minutes as
evaluating it minute by minute (what `mmwatch alerts replay` prints).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone

from mmwatch.alerts.config import DATA_RULES

_PART = "rule, exchange, market_type, symbol, obligation_id"
ALL_MARKETS = "*"  # symbol (and market type) of an alert about a whole venue
ASSET_GROUP = "asset_group"  # market type of an alert about Dagster assets (exchange "dagster", symbol the group)

# key_id: one integer per (rule, market, obligation), so the window sorts compare one number
RUN_EPISODES = """
with numbered as (
    select *, sum(case when holds then 0 else 1 end) over k as run_group,
        lead(minute) over k as next_minute, first_value(minute) over k as key_first_minute
    from alert_conditions
    window k as (partition by key_id order by minute)
), held as (
    select *, row_number() over (partition by key_id, run_group order by minute) as pos
    from numbered where holds
)
select rule, exchange, market_type, symbol, obligation_id, any_value(mm_name) as mm_name,
    min(minute) filter (where pos = need) as opened_at,
    min(minute) filter (where pos >= need and (pos >= crit_need or severe)) as critical_at,
    arg_max_null(next_minute, minute) as closed_at,  -- NULL (still open) when the run reaches the last row
    max(minute) as last_seen_at,
    min(minute) = any_value(key_first_minute) as from_window_start,
    arg_min(value, minute) filter (where pos = need) as value,
    arg_min(threshold, minute) filter (where pos = need) as threshold,
    arg_min(detail, minute) filter (where pos = need) as detail,
    max(value) as peak_value,
    count(*) as minutes
from held
group by key_id, run_group, rule, exchange, market_type, symbol, obligation_id
having max(pos) >= any_value(need)
"""

# Breach episodes of the obligations (fct_mm_breach_episodes) longer than alert_after_s. An episode
# ended by end_of_day on the last evaluated day is still running (open).
BREACH_EPISODES = """
with breaches as (
    select e.*, coalesce(p.obligation_breach__alert_after_s, e.alert_after_s, 300) as after_s,
        e.end_ts >= {until_ms} as cut,  -- runs past the evaluated data: still open at the cut
        case when e.end_ts >= {until_ms} then ({until_ms} - e.start_ts) / 1000 else e.duration_s end as seen_s
    from fct_mm_breach_episodes e join alert_params p using (exchange, market_type, symbol)
    where p.obligation_breach__enabled and e.day between date '{day}' - 1 and date '{day}' and e.start_ts < {until_ms}
)
select 'obligation_breach' as rule, exchange, market_type, symbol, obligation_id, mm_name,
    time_bucket(interval 1 minute, epoch_ms(start_ts + (after_s * 1000)::bigint)) as opened_at,
    case when seen_s > after_s * {duration_factor}
        then time_bucket(interval 1 minute, epoch_ms(start_ts + (after_s * {duration_factor} * 1000)::bigint)) end as critical_at,
    case when cut or (ended_by = 'end_of_day' and day = {as_of}::date) then null
         when ended_by = 'compliant' then time_bucket(interval 1 minute, epoch_ms(end_ts))
         else time_bucket(interval 1 minute, epoch_ms(last_breach_ts)) + interval 1 minute end as closed_at,
    time_bucket(interval 1 minute, epoch_ms(least(last_breach_ts, {until_ms} - 1))) as last_seen_at,
    false as from_window_start,
    seen_s as value, after_s as threshold, snapshots::double as detail, seen_s as peak_value,
    null::bigint as minutes
from breaches
where seen_s > after_s
"""

# name of (value, threshold, detail) in an alert's trigger values, per rule
VALUE_NAMES = {
    "wide_spread": ("median_spread_bps", "max_spread_bps", None),
    "dual_spread": ("spread_bps", "threshold_bps", "z_score"),
    "thin_book": ("median_min_side_depth_usd", "min_depth_usd", "depth_band_bps"),
    "imbalance": ("median_abs_imbalance", "max_abs_imbalance", "band_bps"),
    "volume_spike": ("window_volume_usd", "spike_threshold_usd", "trailing_mean_window_volume_usd"),
    "price_move": ("move_pct", "max_move_pct", "close_before"),
    "no_data": (None, None, None),
    "obligation_breach": ("duration_s", "alert_after_s", "snapshots"),
}


def utc(value: datetime | None) -> datetime | None:
    """A naive UTC timestamp from DuckDB as an aware datetime."""
    return None if value is None else value.replace(tzinfo=timezone.utc)


def _number(value):
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else ("inf" if value > 0 else "-inf")


@dataclass(frozen=True)
class Episode:
    """One alert instance as the marts show it now."""

    rule: str
    exchange: str
    market_type: str
    symbol: str
    obligation_id: str | None
    mm_name: str | None
    opened_at: datetime
    critical_at: datetime | None
    closed_at: datetime | None
    last_seen_at: datetime
    from_window_start: bool
    values: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return "|".join((self.rule, self.exchange, self.symbol, self.market_type, self.obligation_id or ""))

    @property
    def alert_id(self) -> str:
        return f"{self.key}@{self.opened_at.isoformat()}"

    @property
    def route(self) -> str:
        return "data" if self.rule in DATA_RULES else "market"

    @property
    def severity(self) -> str:
        return "critical" if self.critical_at is not None else "warning"

    def trigger_json(self) -> str:
        return json.dumps(self.values, sort_keys=True)

    @classmethod
    def from_row(cls, row: dict) -> "Episode":
        names = VALUE_NAMES[row["rule"]]
        values = {name: _number(row[column]) for name, column in zip(names, ("value", "threshold", "detail")) if name}
        if row.get("minutes") is not None:
            values["minutes"] = int(row["minutes"])
        return cls(row["rule"], row["exchange"], row["market_type"], row["symbol"], row["obligation_id"],
                   row["mm_name"], utc(row["opened_at"]), utc(row["critical_at"]), utc(row["closed_at"]),
                   utc(row["last_seen_at"]), bool(row["from_window_start"]), values)
