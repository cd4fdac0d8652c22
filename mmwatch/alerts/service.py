"""The alert cycle after a micro-batch of the marts: evaluate the day, record what changed in the
ledger, deliver what is owed. `replay` is the read-only twin: what a day would have fired."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mmwatch.alerts.config import AlertsConfig
from mmwatch.alerts.delivery import DeliveryReport, deliver_pending
from mmwatch.alerts.evaluate import Evaluation, evaluate_day
from mmwatch.alerts.ledger import LedgerChange, last_as_of, sync_ledger
from mmwatch.duckdb_files import connect_with_retry, read_warehouse
from mmwatch.errors import MmwatchError
from mmwatch.mail import SmtpSettings
from mmwatch.warehouse_lock import writing


@dataclass(frozen=True)
class AlertCycle:
    evaluation: Evaluation
    changes: list[LedgerChange]
    delivery: DeliveryReport | None
    seconds: float


def _warehouse(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise MmwatchError(f"warehouse {path} does not exist: build the marts first (`mmwatch build --date <day>`)")
    return path


def run_alert_cycle(warehouse: str | Path, day: str, config: AlertsConfig, deliver: bool = True,
                    smtp: SmtpSettings | None = None, full: bool = False, until: datetime | None = None) -> AlertCycle:
    """Evaluate `day`, sync the ledger (schema alerts in the warehouse) and, when `deliver`, send
    every pending notification. Opens the warehouse for writing, holding the writer lock
    (mmwatch.warehouse_lock: waits for a build or readers at work). The marts'
    no_data is recorded but not sent while the heartbeat sends it (AlertsConfig.heartbeat).

    A micro-batch evaluates only what can have changed since the day's previous evaluation (its
    `as_of`, with the rules' look-back); `full` re-evaluates the whole day (after a rebuild)."""
    started = time.perf_counter()
    path = _warehouse(warehouse)
    with writing(path, "the alert cycle", day), connect_with_retry(path) as con:
        since = None if full else last_as_of(con, day)
        evaluation = evaluate_day(con, day, config, until=until, since=since)
        changes = sync_ledger(con, evaluation, config, quiet_rules=config.marts_quiet_rules())
        report = deliver_pending(con, config, smtp) if deliver else None
    return AlertCycle(evaluation, changes, report, time.perf_counter() - started)


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    event: str  # FIRE, ESCALATE, CLOSE
    severity: str
    episode: object


def replay(warehouse: str | Path, day: str, config: AlertsConfig) -> tuple[Evaluation, list[TimelineEvent]]:
    """What `day` would have fired, escalated and closed, minute by minute; reads only."""
    with read_warehouse(_warehouse(warehouse)) as con:
        evaluation = evaluate_day(con, day, config)
    events = []
    for episode in evaluation.episodes:
        first = "critical" if episode.critical_at == episode.opened_at else "warning"
        events.append(TimelineEvent(episode.opened_at, "FIRE", first, episode))
        if episode.critical_at and episode.critical_at != episode.opened_at:
            events.append(TimelineEvent(episode.critical_at, "ESCALATE", "critical", episode))
        if episode.closed_at:
            events.append(TimelineEvent(episode.closed_at, "CLOSE", episode.severity, episode))
    order = {"FIRE": 0, "ESCALATE": 1, "CLOSE": 2}
    events.sort(key=lambda e: (e.at, order[e.event], e.episode.key))
    return evaluation, events
