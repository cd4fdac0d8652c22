"""UTC days: how a day is written, and which days mmwatch can build.

The Dagster day partitions start at HISTORY_START, early enough for any public data the venues in
scope have published (OKCoin, now OKX, and Bter, now Gate, from 2013; Binance, KuCoin, Bitget and
Bybit from 2017-2018), so an old recording can be backfilled to settle a dispute. They end today
(UTC): today's partial day is a partition, so live data reaches the marts the same day.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

from mmwatch.errors import ConfigError

HISTORY_START = "2013-01-01"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_day(day: str) -> str:
    """`day` if it is a real YYYY-MM-DD date, else a ConfigError saying so."""
    if not _DAY.match(day or ""):
        raise ConfigError(f"date {day!r} is not a UTC day: write it as YYYY-MM-DD, e.g. 2026-11-20")
    try:
        datetime.strptime(day, "%Y-%m-%d")
    except ValueError:
        raise ConfigError(f"date {day!r} does not exist in the calendar: write it as YYYY-MM-DD") from None
    return day


def utc_day_of_ms(ts_ms: int) -> str:
    """The UTC day (YYYY-MM-DD) of a timestamp in milliseconds since the epoch (the unit of every ts)."""
    return datetime.fromtimestamp(ts_ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d")


def utc_today() -> date:
    """Today's date in UTC."""
    return datetime.now(timezone.utc).date()


def check_buildable_day(day: str, today: date | None = None) -> str:
    """`day` if it is a real day from HISTORY_START to today (UTC), else a one-line ConfigError naming the range."""
    check_day(day)
    last = today or utc_today()
    if not HISTORY_START <= day <= last.isoformat():
        when = "in the future" if day > last.isoformat() else "before the history mmwatch keeps"
        raise ConfigError(f"date {day} is {when}: days from {HISTORY_START} to {last.isoformat()} (today, UTC) "
                          f"can be built")
    return day
