"""The health ledger: alerts about the pipeline itself — the heartbeat's "no data" (a market or a
venue silent in the landing zone) and assets past their freshness policy — with the same ledger,
routes, channels, cool-down and delivery as the market alerts (mmwatch.alerts.ledger), in
<data>/alerts/health.duckdb.

Beside the warehouse, never in it: dbt holds warehouse.duckdb for minutes while it builds, and these
alerts must go out precisely when the marts are stuck. Each cycle owns one rule: it opens, escalates
and closes that rule's alerts and never touches the other's.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb

from mmwatch.alerts.config import HEALTH_RULES, AlertsConfig
from mmwatch.alerts.delivery import DeliveryReport, deliver_pending
from mmwatch.alerts.episodes import Episode
from mmwatch.alerts.evaluate import Evaluation
from mmwatch.alerts.ledger import LEDGER, LedgerChange, ensure_ledger, sync_ledger
from mmwatch.duckdb_files import connect_with_retry
from mmwatch.mail import SmtpSettings
from mmwatch.settings import DataDir


@dataclass(frozen=True)
class HealthCycle:
    """One cycle of a health rule: what it saw, what changed in the ledger, what was delivered."""

    rule: str
    episodes: list[Episode]
    changes: list[LedgerChange]
    delivery: DeliveryReport | None
    seconds: float


@contextmanager
def open_health_ledger(data_dir: DataDir) -> Iterator[duckdb.DuckDBPyConnection]:
    """The health ledger for writing (created with its folder when missing)."""
    data_dir.health_ledger.parent.mkdir(parents=True, exist_ok=True)
    with connect_with_retry(data_dir.health_ledger) as con:
        ensure_ledger(con)
        yield con


@dataclass(frozen=True)
class OpenAlert:
    """An open alert of the ledger (what a cycle must continue or close)."""

    alert_id: str
    key: str
    rule: str
    exchange: str
    market_type: str
    symbol: str
    severity: str
    opened_at: datetime
    message: str


def open_alerts(con: duckdb.DuckDBPyConnection, rule: str | None = None) -> list[OpenAlert]:
    """The open alerts of `rule` (None: every rule), oldest first."""
    where, params = ("status = 'open' and rule = ?", [rule]) if rule else ("status = 'open'", [])
    rows = con.execute(f"select alert_id, alert_key, rule, exchange, market_type, symbol, severity, opened_at, message "
                       f"from {LEDGER} where {where} order by opened_at, alert_id", params).fetchall()
    return [OpenAlert(*row[:7], row[7].astimezone(timezone.utc), row[8]) for row in rows]


def record_health(con: duckdb.DuckDBPyConnection, rule: str, episodes: list[Episode], config: AlertsConfig,
                  now: datetime, smtp: SmtpSettings | None = None, deliver: bool = True,
                  started: float | None = None) -> HealthCycle:
    """Sync `rule`'s alerts with `episodes` (every alert of the rule that should be open now, or that
    closes now) and deliver what is owed; the other health rule's alerts are left alone."""
    started = time.perf_counter() if started is None else started
    others = {other: "another cycle evaluates it" for other in HEALTH_RULES if other != rule}
    evaluation = Evaluation(now.date().isoformat(), now, episodes, len(episodes), others, window_from=now)
    changes = sync_ledger(con, evaluation, config, now)
    report = deliver_pending(con, config, smtp) if deliver else None
    return HealthCycle(rule, episodes, changes, report, time.perf_counter() - started)
