"""The alert ledger in the warehouse: which alerts are open, and which notifications they owe.

`sync_ledger` compares an evaluation with the ledger and records only what changed:
- an episode not in the ledger opens a row (event `open`; also `close` if it already ended);
- an open row whose episode turned critical escalates (event `escalate`, always sent);
- an open row whose episode closed, or that no episode continues any more, closes (event `close`);
- anything else (the same batch evaluated again, a still-open alert) records nothing.
An episode that starts at the first minute of the evaluated window continues the key's open row
(the evaluation cannot see how long before the window it began).
Every event becomes one `alerts.alert_deliveries` row per routed channel: `pending` until the
channel takes it, `suppressed` when the key re-opens within `cooldown_minutes` of its last
notification (its open and close are recorded, not sent).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

import duckdb

from mmwatch.alerts import messages
from mmwatch.alerts.config import AlertsConfig
from mmwatch.alerts.episodes import Episode
from mmwatch.alerts.evaluate import SNAPSHOT_LOOKBACK, Evaluation
from mmwatch.alerts.ledger_schema import LEDGER_COLUMNS, LEDGER_SCHEMA, LEDGER_TABLE, duckdb_ddl

LEDGER = f"{LEDGER_SCHEMA}.{LEDGER_TABLE}"
DELIVERIES = f"{LEDGER_SCHEMA}.alert_deliveries"
DELIVERIES_DDL = f"""
create table if not exists {DELIVERIES} (
    alert_id varchar, event varchar, channel varchar, severity varchar,
    status varchar,            -- pending | sent | suppressed
    attempts integer, last_error varchar, payload varchar,
    created_at timestamptz, delivered_at timestamptz,
    primary key (alert_id, event, channel)
)"""
EVALUATIONS = f"{LEDGER_SCHEMA}.alert_evaluations"
EVALUATIONS_DDL = f"""
create table if not exists {EVALUATIONS} (
    day date, as_of timestamptz, window_from timestamptz, evaluated_at timestamptz, episodes integer, changes integer
)"""
_NAMES = [c[0] for c in LEDGER_COLUMNS]


@dataclass(frozen=True)
class LedgerChange:
    """One recorded event: `event` is open, escalate or close."""

    alert_id: str
    event: str
    severity: str
    episode: Episode
    channels: tuple[str, ...]
    suppressed: bool


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema `alerts`, the ledger and the deliveries table when missing."""
    con.execute(duckdb_ddl())
    con.execute(DELIVERIES_DDL)
    con.execute(EVALUATIONS_DDL)


def last_as_of(con: duckdb.DuckDBPyConnection, day: str) -> datetime | None:
    """The data time the latest evaluation of `day` judged up to (None: never evaluated)."""
    ensure_ledger(con)
    return con.execute(f"select max(as_of) from {EVALUATIONS} where day = ?", [day]).fetchone()[0]


def _rows(con: duckdb.DuckDBPyConnection, where: str, params: list) -> dict[str, dict]:
    cursor = con.execute(f"select * from {LEDGER} where {where}", params)
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row)) for row in cursor.fetchall()}


def _in_cooldown(con, config: AlertsConfig, episode: Episode) -> bool:
    last = con.execute(f"select max(last_notified_at) from {LEDGER} where alert_key = ?", [episode.key]).fetchone()[0]
    return last is not None and episode.opened_at - last < timedelta(minutes=config.cooldown_minutes)


def _insert(con, episode: Episode, now: datetime, runbook_url: str) -> None:
    values = {
        "alert_id": episode.alert_id, "alert_key": episode.key, "rule": episode.rule, "route": episode.route,
        "day": episode.opened_at.date(), "exchange": episode.exchange, "symbol": episode.symbol,
        "market_type": episode.market_type, "obligation_id": episode.obligation_id, "mm_name": episode.mm_name,
        "severity": episode.severity, "status": "closed" if episode.closed_at else "open",
        "opened_at": episode.opened_at, "last_seen_at": episode.last_seen_at, "closed_at": episode.closed_at,
        "trigger_values": episode.trigger_json(),
        "message": messages.text(episode, "open", episode.severity, runbook_url),
        "notified_severity": None, "last_notified_at": None, "delivery_pending": False,
    }
    con.execute(f"insert into {LEDGER} ({', '.join(_NAMES)}) values ({', '.join('?' for _ in _NAMES)})",
                [values[name] for name in _NAMES])


def _close_missing(con, evaluation: Evaluation, seen: set[str]) -> list[tuple[dict, datetime]]:
    """Open rows of rules that were evaluated, inside the evaluated window, that no episode continues."""
    if evaluation.as_of is None:
        return []
    start = evaluation.window_from or datetime.fromisoformat(evaluation.day).replace(tzinfo=timezone.utc)
    day_end = datetime.fromisoformat(evaluation.day).replace(tzinfo=timezone.utc) + timedelta(days=1)
    open_rows = _rows(con, "status = 'open' and opened_at < ? and last_seen_at >= ?",
                      [day_end, start - SNAPSHOT_LOOKBACK])
    return [(row, row["last_seen_at"] + timedelta(minutes=1)) for alert_id, row in open_rows.items()
            if alert_id not in seen and row["rule"] not in evaluation.skipped_rules]


def _as_episode(row: dict, closed_at: datetime) -> Episode:
    return Episode(row["rule"], row["exchange"], row["market_type"], row["symbol"], row["obligation_id"],
                   row["mm_name"], row["opened_at"], row["opened_at"] if row["severity"] == "critical" else None,
                   closed_at, row["last_seen_at"], False, json.loads(row["trigger_values"] or "{}"))


def sync_ledger(con: duckdb.DuckDBPyConnection, evaluation: Evaluation, config: AlertsConfig,
                now: datetime | None = None, quiet_rules: frozenset[str] = frozenset()) -> list[LedgerChange]:
    """Record what changed since the last sync (idempotent: the same evaluation twice adds nothing).
    Changes of `quiet_rules` are recorded but routed nowhere (another cycle notifies them)."""
    now = now or datetime.now(timezone.utc)
    ensure_ledger(con)
    changes: list[LedgerChange] = []
    ids = [e.alert_id for e in evaluation.episodes]
    known = _rows(con, "list_contains(?, alert_id)", [ids]) if ids else {}
    open_by_key = {row["alert_key"]: row for row in _rows(con, "status = 'open'", []).values()}
    seen: set[str] = set()

    def record(alert_id: str, event: str, severity: str, episode: Episode, suppressed: bool = False) -> None:
        channels = () if episode.rule in quiet_rules else tuple(config.channels_for(episode.rule, episode.route,
                                                                                        severity))
        changes.append(LedgerChange(alert_id, event, severity, episode, channels, suppressed))

    for episode in evaluation.episodes:
        row = known.get(episode.alert_id)
        if row is None and episode.from_window_start and episode.key in open_by_key:
            row = open_by_key[episode.key]
            episode = replace(episode, opened_at=row["opened_at"])
        if row is None:
            suppressed = _in_cooldown(con, config, episode)
            _insert(con, episode, now, config.runbook_url)
            seen.add(episode.alert_id)
            record(episode.alert_id, "open", episode.severity, episode, suppressed)
            if episode.closed_at:
                record(episode.alert_id, "close", episode.severity, episode, suppressed)
            continue
        seen.add(row["alert_id"])
        if row["status"] != "open":
            continue
        if episode.severity == "critical" and row["severity"] != "critical":
            con.execute(f"update {LEDGER} set severity = 'critical', trigger_values = ? where alert_id = ?",
                        [episode.trigger_json(), row["alert_id"]])
            record(row["alert_id"], "escalate", "critical", episode)
        con.execute(f"update {LEDGER} set last_seen_at = greatest(last_seen_at, ?) where alert_id = ?",
                    [episode.last_seen_at, row["alert_id"]])
        if episode.closed_at:
            con.execute(f"update {LEDGER} set status = 'closed', closed_at = ? where alert_id = ?",
                        [episode.closed_at, row["alert_id"]])
            record(row["alert_id"], "close", episode.severity, episode, _was_suppressed(con, row["alert_id"]))
    for row, closed_at in _close_missing(con, evaluation, seen):
        con.execute(f"update {LEDGER} set status = 'closed', closed_at = ? where alert_id = ?", [closed_at, row["alert_id"]])
        record(row["alert_id"], "close", row["severity"], _as_episode(row, closed_at), _was_suppressed(con, row["alert_id"]))
    _queue(con, changes, now, config.runbook_url)
    if evaluation.as_of is not None:
        con.execute(f"insert into {EVALUATIONS} values (?, ?, ?, ?, ?, ?)", [evaluation.day, evaluation.as_of,
                    evaluation.window_from, now, len(evaluation.episodes), len(changes)])
    return changes


def _was_suppressed(con, alert_id: str) -> bool:
    found = con.execute(f"select bool_and(status = 'suppressed') from {DELIVERIES} where alert_id = ? and event = 'open'",
                        [alert_id]).fetchone()[0]
    return bool(found)


def _queue(con, changes: list[LedgerChange], now: datetime, runbook_url: str) -> None:
    """One delivery row per change and routed channel; the ledger's delivery_pending follows."""
    for change in changes:
        payload = messages.payload(change.episode, change.alert_id, change.event, change.severity, runbook_url)
        for channel in change.channels:
            con.execute(f"insert or ignore into {DELIVERIES} values (?, ?, ?, ?, ?, 0, null, ?, ?, null)",
                        [change.alert_id, change.event, channel, change.severity,
                         "suppressed" if change.suppressed else "pending", payload, now])
    refresh_pending(con, {c.alert_id for c in changes})


def refresh_pending(con, alert_ids: set[str]) -> None:
    """Ledger delivery_pending / notified_severity / last_notified_at from the delivery rows."""
    if not alert_ids:
        return
    con.execute(f"""
        update {LEDGER} l set
            delivery_pending = coalesce(d.pending, false),
            last_notified_at = coalesce(d.last_sent, l.last_notified_at),
            notified_severity = coalesce(d.notified, l.notified_severity)
        from (
            select alert_id, bool_or(status = 'pending') as pending, max(delivered_at) as last_sent,
                case when bool_or(status = 'sent' and severity = 'critical') then 'critical'
                     when bool_or(status = 'sent') then 'warning' end as notified
            from {DELIVERIES} where list_contains(?, alert_id) group by alert_id
        ) d
        where l.alert_id = d.alert_id""", [sorted(alert_ids)])
