"""What an alert event says: one line of text for chat and email subjects, a JSON payload for
webhooks (and the record kept with every delivery)."""
from __future__ import annotations

import json
from datetime import datetime

from mmwatch.alerts.config import RUNBOOK_URL
from mmwatch.alerts.episodes import ALL_MARKETS, ASSET_GROUP, Episode

EVENT_WORDS = {"open": "FIRED", "escalate": "ESCALATED", "close": "RESOLVED"}


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _minute(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def subject(episode: Episode, event: str, severity: str) -> str:
    """`[mmwatch] FIRED warning wide_spread binance BTC/USDT (spot)` (+ obligation); a whole venue
    reads `okx (every market)`, an asset group `asset group marts`."""
    who = f" {episode.obligation_id} ({episode.mm_name})" if episode.obligation_id else ""
    return (f"[mmwatch] {EVENT_WORDS[event]} {severity} {episode.rule} "
            f"{where(episode.exchange, episode.market_type, episode.symbol)}{who}")


def where(exchange: str, market_type: str, symbol: str) -> str:
    """What an alert is about, in words: a market, a whole venue or an asset group."""
    if market_type == ASSET_GROUP:
        return f"asset group {symbol}"
    if symbol == ALL_MARKETS:
        return f"{exchange} (every market)"
    return f"{exchange} {symbol} ({market_type})"


def runbook_link(rule: str, runbook_url: str = RUNBOOK_URL) -> str:
    """Where the runbook says what `rule` means and what to do (docs/runbook.md, one anchor per rule)."""
    return f"{runbook_url}#{rule}"


def text(episode: Episode, event: str, severity: str, runbook_url: str = RUNBOOK_URL) -> str:
    """The human-readable message sent to the channels, ending with the rule's runbook link."""
    values = ", ".join(f"{name} {_fmt(value)}" for name, value in episode.values.items())
    if event == "open":
        when = f"fired at {_minute(episode.opened_at)}"
    elif event == "escalate":
        when = f"critical since {_minute(episode.critical_at)} (open since {_minute(episode.opened_at)})"
    else:
        when = f"condition cleared at {_minute(episode.closed_at)} (open since {_minute(episode.opened_at)})"
    route = " Data-health alert: not a market-maker breach." if episode.route == "data" else ""
    return (f"{subject(episode, event, severity)}: {when}; {values}.{route} "
            f"Runbook: {runbook_link(episode.rule, runbook_url)}")


def payload(episode: Episode, alert_id: str, event: str, severity: str, runbook_url: str = RUNBOOK_URL) -> str:
    """The JSON document a webhook receives (and the delivery record keeps)."""
    return json.dumps({
        "event": event, "alert_id": alert_id, "alert_key": episode.key, "rule": episode.rule, "route": episode.route,
        "severity": severity, "exchange": episode.exchange, "symbol": episode.symbol,
        "market_type": episode.market_type, "obligation_id": episode.obligation_id, "mm_name": episode.mm_name,
        "opened_at": episode.opened_at.isoformat(),
        "critical_at": episode.critical_at.isoformat() if episode.critical_at else None,
        "closed_at": episode.closed_at.isoformat() if episode.closed_at else None,
        "trigger_values": episode.values, "subject": subject(episode, event, severity),
        "text": text(episode, event, severity, runbook_url), "runbook": runbook_link(episode.rule, runbook_url),
    }, sort_keys=True)
