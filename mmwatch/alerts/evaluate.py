"""Evaluate every spec §6 rule for one UTC day of the marts, all markets at once (DuckDB).

The day is read with a look-back into the day before (3 h of snapshots, the volume rule's trailing
hours of trades), so runs, z-score windows and trailing means continue across midnight. The result
is every episode that overlaps the day, as of the latest minute with a usable snapshot (`as_of`).
Nothing is written: the ledger (mmwatch.alerts.ledger) decides what is new.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import duckdb

from mmwatch.alerts import rules_sql
from mmwatch.alerts.config import RULES, AlertsConfig
from mmwatch.alerts.dual_spread import dual_spread_conditions
from mmwatch.alerts.episodes import BREACH_EPISODES, RUN_EPISODES, Episode, utc

SNAPSHOT_LOOKBACK = timedelta(hours=3)
REQUIRED = "fct_orderbook_snapshot_metrics"
# rule -> marts it reads (a rule whose marts are missing is skipped and reported)
RULE_TABLES = {
    "wide_spread": (REQUIRED,), "dual_spread": (REQUIRED,), "imbalance": (REQUIRED,), "no_data": (REQUIRED,),
    "thin_book": ("int_obligation_snapshots_evaluated", "dim_obligations"),
    "volume_spike": ("fct_trades_minute",), "price_move": ("fct_candles_1m",),
    "obligation_breach": ("fct_mm_breach_episodes",),
}


@dataclass(frozen=True)
class Evaluation:
    """Episodes overlapping [window_from, end of `day`), judged on the data up to `as_of` (None: no
    snapshot at all)."""

    day: str
    as_of: datetime | None
    episodes: list[Episode]
    markets: int
    skipped_rules: dict[str, str]
    window_from: datetime | None = None


def _ts(value: datetime) -> str:
    return f"timestamp '{value.strftime('%Y-%m-%d %H:%M:%S')}'"


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()}


def _params(con: duckdb.DuckDBPyConnection, config: AlertsConfig, day: str, tables: set[str]) -> int:
    """alert_markets (markets to judge) and alert_params (their thresholds, one column per field)."""
    sources = ["select exchange, market_type, symbol from alert_snaps"]
    if "dim_obligations" in tables:
        sources.append(f"select exchange, market_type, symbol from dim_obligations where valid_from <= date '{day}' "
                       f"and (valid_to is null or valid_to > date '{day}')")
    for table in ("fct_trades_minute", "fct_candles_1m"):
        if table in tables:
            sources.append(f"select exchange, market_type, symbol from {table} where day = date '{day}'")
    markets = {tuple(row) for row in con.execute(" union ".join(sources)).fetchall()}
    markets |= {(m.exchange, m.market_type, m.symbol) for m in config.markets}
    rows, columns = [], None
    for market in sorted(markets):
        rules = config.rules_for(market[0], market[1], market[2])
        flat = {f"{rule}__{name}": value for rule in RULES for name, value in getattr(rules, rule).model_dump().items()}
        columns = columns or list(flat)
        rows.append((*market, *flat.values()))
    con.execute("create or replace temp table alert_markets (exchange varchar, market_type varchar, symbol varchar)")
    if rows:
        con.executemany("insert into alert_markets values (?, ?, ?)", [row[:3] for row in rows])
    types = {bool: "boolean", int: "bigint", float: "double"}
    sample = {f"{rule}__{n}": v for rule in RULES for n, v in getattr(config.rules, rule).model_dump().items()}
    defs = ", ".join(f"{name} {types.get(type(value), 'double')}" for name, value in sample.items())
    con.execute(f"create or replace temp table alert_params (exchange varchar, market_type varchar, symbol varchar, {defs})")
    if rows:
        marks = ", ".join("?" for _ in range(3 + len(sample)))
        con.executemany(f"insert into alert_params values ({marks})", rows)
    return len(rows)


def evaluate_day(con: duckdb.DuckDBPyConnection, day: str, config: AlertsConfig,
                 until: datetime | None = None, since: datetime | None = None) -> Evaluation:
    """Every episode of every rule that overlaps UTC `day` (YYYY-MM-DD), from the marts in `con`.

    `until` (UTC) evaluates as if the data ended there: only minutes before it are read, as a
    micro-batch at that time would have seen them (tests and replays of an intraday state).
    `since` (UTC) evaluates only episodes still running at or after it (with the usual look-back
    before it): what a micro-batch after an evaluation as of `since` needs; older episodes are
    already in the ledger."""
    con.execute("set TimeZone = 'UTC'")
    start = datetime.combine(date.fromisoformat(day), datetime.min.time())
    until = min(start + timedelta(days=1), until.astimezone(timezone.utc).replace(tzinfo=None)) if until else start + timedelta(days=1)
    window_from = start if since is None else min(until, max(start, since.astimezone(timezone.utc).replace(tzinfo=None)))
    tables = _tables(con)
    if REQUIRED not in tables:
        return Evaluation(day, None, [], 0, {rule: f"{REQUIRED} is missing: build the marts first" for rule in RULES})
    trailing = max([config.rules.volume_spike] + [config.rules_for(m.exchange, m.market_type, m.symbol).volume_spike
                                                  for m in config.markets], key=lambda v: v.trailing_hours)
    trade_from = window_from - timedelta(hours=trailing.trailing_hours, minutes=trailing.window_minutes + 60)
    fill = {"day": day, "snap_from": _ts(window_from - SNAPSHOT_LOOKBACK), "until": _ts(until), "trade_from": _ts(trade_from),
            "value_factor": config.severity.value_factor, "duration_factor": config.severity.duration_factor,
            "trailing_days": trailing.trailing_hours // 24 + 1}
    con.execute(rules_sql.LOAD_SNAPSHOTS.format(**fill))
    first, last = con.execute("select min(minute), max(minute) from alert_snaps").fetchone()
    markets = _params(con, config, day, tables)
    if last is None:
        return Evaluation(day, None, [], markets, {"*": f"no usable snapshot of {day} or the 3 h before"})
    fill.update(as_of=_ts(last), grid_from=_ts(max(first, window_from - SNAPSHOT_LOOKBACK)),
                until_ms=int(until.replace(tzinfo=timezone.utc).timestamp() * 1000))
    skipped = {rule: f"{', '.join(t for t in needs if t not in tables)} missing"
               for rule, needs in RULE_TABLES.items() if not set(needs) <= tables}
    parts = []
    if "wide_spread" not in skipped:
        parts += [rules_sql.WIDE_SPREAD, rules_sql.IMBALANCE, rules_sql.NO_DATA]
    if "thin_book" not in skipped:
        parts.append(rules_sql.THIN_BOOK)
    if "price_move" not in skipped:
        parts.append(rules_sql.PRICE_MOVE)
    param_rows = con.execute("select distinct volume_spike__window_minutes, volume_spike__trailing_hours "
                             "from alert_params").fetchall()
    dual = dual_spread_conditions(con, config.severity.value_factor, config.severity.duration_factor)
    con.register("alert_dual_frame", dual.to_arrow())
    parts.append("select * from alert_dual_frame")
    if "volume_spike" not in skipped:
        for window, hours in sorted(set(param_rows)):
            parts.append(rules_sql.VOLUME_SPIKE.replace("{window}", str(int(window))).replace("{trailing}", str(int(hours))))
    union = "\nunion all\n".join(f"select * from ({part.format(**fill)})" for part in parts)
    con.execute("create or replace temp table alert_conditions as select *, hash(rule, exchange, market_type, symbol, "
                f"coalesce(obligation_id, '')) as key_id from ({union})")
    queries = [RUN_EPISODES.format(**fill)]
    if "obligation_breach" not in skipped:
        queries.append(BREACH_EPISODES.format(**fill))
    episodes: list[Episode] = []
    for query in queries:
        cursor = con.execute(query)
        names = [d[0] for d in cursor.description]
        for row in cursor.fetchall():
            record = dict(zip(names, row))
            opened, closed = record["opened_at"], record["closed_at"]
            if opened < until and (closed is None or closed > window_from) and opened >= start - SNAPSHOT_LOOKBACK:
                episodes.append(Episode.from_row(record))
    con.unregister("alert_dual_frame")
    episodes.sort(key=lambda e: (e.opened_at, e.key))
    return Evaluation(day, utc(last), episodes, markets, skipped, utc(window_from))
