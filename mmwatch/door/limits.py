"""The bounds of the door and its time window.

Every bound is chosen so that no mart can overflow or underflow on a value that passes: each
non-zero price, amount and contract size lies in [MIN_MAGNITUDE, MAX_MAGNITUDE] = [1e-18, 1e15], so
a product of four of them (amount × contract size / price × a USD rate) stays within [1e-72, 1e60],
a sum over MAX_LEVELS_PER_SIDE levels below 1e64 and its square below 1e128: far inside a double's
normal range (2.2e-308 .. 1.8e308), so no depth is `inf` and no ratio `NaN`. 1e15 is far beyond any
real price (BTC is about 1e5 USD), order size or contract size; 1e-18 is one wei of ether.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from mmwatch.days import HISTORY_START, check_day
from mmwatch.errors import ConfigError

MIN_MAGNITUDE = 1e-18
MAX_MAGNITUDE = 1e15
MAX_LEVELS_PER_SIDE = 10_000
MAX_SYMBOL_CHARS = 64
MAX_TRADE_ID_CHARS = 128

EARLIEST_ENV = "MMWATCH_DOOR_EARLIEST"
SKEW_ENV = "MMWATCH_DOOR_FUTURE_SKEW_S"
DEFAULT_FUTURE_SKEW_S = 600
DAY_MS = 86_400_000


def _day_start_ms(day: str) -> int:
    return int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp() * 1000)


def _utc_text(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(frozen=True)
class TimeWindow:
    """The plausible event times, in ms since the epoch: [earliest_ms, latest_ms] inclusive."""

    earliest_ms: int
    latest_ms: int

    @classmethod
    def from_env(cls, now_ms: int | None = None) -> "TimeWindow":
        """From the start of MMWATCH_DOOR_EARLIEST (default mmwatch.days.HISTORY_START, the first day
        mmwatch can build) to now + MMWATCH_DOOR_FUTURE_SKEW_S (default 600 s of clock skew)."""
        earliest = os.environ.get(EARLIEST_ENV) or HISTORY_START
        try:
            check_day(earliest)
        except ConfigError as exc:
            raise ConfigError(f"{EARLIEST_ENV}: {exc}") from None
        raw_skew = os.environ.get(SKEW_ENV) or str(DEFAULT_FUTURE_SKEW_S)
        try:
            skew_s = int(raw_skew)
        except ValueError:
            skew_s = -1
        if skew_s < 0:
            raise ConfigError(f"{SKEW_ENV}={raw_skew!r}: give whole seconds >= 0 (default {DEFAULT_FUTURE_SKEW_S})")
        now = int(time.time() * 1000) if now_ms is None else now_ms
        return cls(_day_start_ms(earliest), now + skew_s * 1000)

    def describe(self) -> str:
        """The window in words, for messages."""
        return f"{_utc_text(self.earliest_ms)} .. {_utc_text(self.latest_ms)}"
