"""Deliver the pending notifications of the ledger: every channel in its own thread (a channel that
is down never holds up the others), each message tried `delivery.attempts` times with doubling
backoff. A channel that still fails stops for this round (its later messages are not tried, so a
dead channel costs one message's retries) and everything it did not take stays `pending`, retried by
the next evaluation."""
from __future__ import annotations

import json
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb

from mmwatch.alerts.channels import ChannelError, send
from mmwatch.alerts.config import AlertsConfig
from mmwatch.alerts.ledger import DELIVERIES, ensure_ledger, refresh_pending
from mmwatch.mail import SmtpSettings


@dataclass
class Outcome:
    """One delivery row after this round."""

    alert_id: str
    event: str
    channel: str
    delivered: bool
    attempts: int
    error: str | None
    at: datetime


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int
    failed_channels: dict[str, str]


def with_retries(action, attempts: int, backoff_s: float, backoff_max_s: float) -> tuple[int, str | None]:
    """Call `action()` up to `attempts` times (waits backoff_s, 2 x backoff_s, ... capped); returns
    (tries used, last error or None when it succeeded)."""
    error = None
    for attempt in range(1, attempts + 1):
        try:
            action()
            return attempt, None
        except ChannelError as exc:
            error = str(exc)
            if attempt < attempts:
                time.sleep(min(backoff_max_s, backoff_s * 2 ** (attempt - 1)))
    return attempts, error


def _channel_round(name: str, rows: list[tuple], config: AlertsConfig, smtp: SmtpSettings | None) -> list[Outcome]:
    channel, policy = config.channels.get(name), config.delivery
    outcomes = []
    for alert_id, event, payload in rows:
        if channel is None:
            outcomes.append(Outcome(alert_id, event, name, False, 0, f"channel {name!r} is no longer configured",
                                    datetime.now(timezone.utc)))
            continue
        document = json.loads(payload)
        tries, error = with_retries(lambda: send(name, channel, document, policy.timeout_s, smtp),
                                    policy.attempts, policy.backoff_s, policy.backoff_max_s)
        outcomes.append(Outcome(alert_id, event, name, error is None, tries, error, datetime.now(timezone.utc)))
        if error is not None:
            break  # the channel is down: keep the rest pending for the next evaluation
    return outcomes


def deliver_pending(con: duckdb.DuckDBPyConnection, config: AlertsConfig,
                    smtp: SmtpSettings | None = None) -> DeliveryReport:
    """Send every pending delivery (oldest first), record the outcome, refresh the ledger."""
    ensure_ledger(con)
    pending = con.execute(f"select channel, alert_id, event, payload from {DELIVERIES} where status = 'pending' "
                          "order by created_at, alert_id, case event when 'open' then 0 when 'escalate' then 1 else 2 end"
                          ).fetchall()
    by_channel: dict[str, list[tuple]] = defaultdict(list)
    for channel, alert_id, event, payload in pending:
        by_channel[channel].append((alert_id, event, payload))
    if not by_channel:
        return DeliveryReport(0, 0, {})
    with ThreadPoolExecutor(max_workers=min(8, len(by_channel))) as pool:
        rounds = list(pool.map(lambda item: _channel_round(item[0], item[1], config, smtp), by_channel.items()))
    outcomes = [outcome for round_ in rounds for outcome in round_]
    for o in outcomes:
        con.execute(f"update {DELIVERIES} set status = ?, attempts = attempts + ?, last_error = ?, delivered_at = ? "
                    "where alert_id = ? and event = ? and channel = ?",
                    ["sent" if o.delivered else "pending", o.attempts, o.error, o.at if o.delivered else None,
                     o.alert_id, o.event, o.channel])
    refresh_pending(con, {o.alert_id for o in outcomes})
    failed = {o.channel: o.error for o in outcomes if not o.delivered}
    return DeliveryReport(sum(o.delivered for o in outcomes), len(outcomes) - sum(o.delivered for o in outcomes), failed)


def send_now(config: AlertsConfig, document: dict, channels: list[str],
             smtp: SmtpSettings | None = None) -> dict[str, str | None]:
    """Send one message that the ledger does not track (run failures) to `channels`, in parallel
    with the configured retries; returns channel -> error (None when delivered)."""
    policy = config.delivery

    def one(name: str) -> str | None:
        if name not in config.channels:
            return f"channel {name!r} is not configured"
        return with_retries(lambda: send(name, config.channels[name], document, policy.timeout_s, smtp),
                            policy.attempts, policy.backoff_s, policy.backoff_max_s)[1]

    if not channels:
        return {}
    with ThreadPoolExecutor(max_workers=min(8, len(channels))) as pool:
        return dict(zip(channels, pool.map(one, channels)))
