"""Our own accounting of each venue's public REST budget (on top of ccxt's throttle).

Every request the collector's ccxt instances make is charged here before it
leaves, against the venue's published budget (per IP, fixed windows). When a
request would take a bucket past `SAFETY` of its limit, `acquire` waits for
the next window (wall clock only; in virtual time it only counts), so the
venue never has to answer 429. `report()` gives the use per venue for the
progress log and the summary at exit.

When the venue answers 429 (slow down) or 418 (banned: Binance, after ignored 429s) with a
`Retry-After`, nothing more is sent to it until that time has passed: `acquire` raises
`RetryAfter` at once (the fetch is recorded as a failed one, a gap) instead of asking a venue
that said not to, which would lengthen or earn a ban. The other venues are not affected.
"""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qsl, urlsplit

from mmwatch.errors import MmwatchError

log = logging.getLogger(__name__)
SAFETY = 0.8  # never plan to use more than this share of a window
BACKOFF_STATUSES = {429: "rate limited", 418: "IP banned"}  # answers whose Retry-After we honour


class RetryAfter(MmwatchError):
    """A request not sent: the venue asked us (429/418 with Retry-After) to wait until a later time."""


def retry_after_s(headers: dict | None, now_ms: int) -> float | None:
    """Seconds of a Retry-After header (delta seconds or an HTTP date), None when absent or unreadable."""
    value = next((v for k, v in (headers or {}).items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now_ms / 1000)


def _utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%H:%M:%S UTC")


@dataclass(frozen=True)
class Charge:
    """`weight` units against `bucket` (at most `limit` per `window_ms`)."""

    bucket: str
    limit: int
    window_ms: int
    weight: int = 1


# Charge, steps and query_int also serve the simulator's enforcement (simulator/ratelimit.py).
# The weight tables stay apart on purpose: the simulator's stand for the venues' documented
# budgets, ours for what the collector plans against (where unsure, more), and the collector
# tests check that it never draws a 429 from the simulator, which one shared table could not.


def steps(value: int, table: list[tuple[int, int]], default: int) -> int:
    """The weight of the first (upper bound, weight) row `value` does not pass, else `default`."""
    return next((weight for upper, weight in table if value <= upper), default)


def query_int(query: dict, name: str, default: int) -> int:
    """The integer query parameter `name`; `default` when absent, empty or not a number."""
    try:
        return int(query.get(name) or default)
    except ValueError:
        return default


def _binance(path: str, query: dict) -> list[Charge]:
    name = path.rsplit("/api/v3/", 1)[-1]
    if name == "depth":
        weight = steps(query_int(query, "limit", 100), [(100, 5), (500, 25), (1000, 50)], 250)
    elif name == "ticker/24hr":
        count = len(query["symbols"].split(",")) if query.get("symbols") else (1 if query.get("symbol") else 0)
        weight = 80 if count == 0 else steps(count, [(20, 2), (100, 40)], 80)
    else:
        weight = {"trades": 25, "historicalTrades": 25, "aggTrades": 4, "klines": 2, "exchangeInfo": 20}.get(name, 1)
    return [Charge("weight", 6000, 60_000, weight)]


def _binanceusdm(path: str, query: dict) -> list[Charge]:
    if "/futures/data/" in path:
        return [Charge("futures_data", 1000, 300_000, 1)]
    name = path.rsplit("/", 1)[-1]
    if name == "depth":
        weight = steps(query_int(query, "limit", 500), [(50, 2), (100, 5), (500, 10)], 20)
    elif name == "klines":
        weight = steps(query_int(query, "limit", 500), [(99, 1), (499, 2), (1000, 5)], 10)
    elif name in ("premiumIndex", "ticker/24hr", "24hr"):
        weight = 1 if query.get("symbol") else 40
    else:
        weight = {"trades": 5, "aggTrades": 20}.get(name, 1)
    return [Charge("weight", 2400, 60_000, weight)]


def _binancecoinm(path: str, query: dict) -> list[Charge]:
    # COIN-M's budget is USDⓈ-M's, except premiumIndex (a list even for one symbol): weight 10
    if path.endswith("/premiumIndex"):
        return [Charge("weight", 2400, 60_000, 10)]
    return _binanceusdm(path, query)


_KUCOIN_WEIGHTS = {"symbols": 4, "level2_20": 2, "level2_100": 4, "histories": 3, "allTickers": 15, "candles": 3,
                   "active": 3, "depth20": 5, "depth100": 10, "history": 5, "query": 3, "open-interest": 5}
_OKX_LIMITS = {"market/books": 40, "market/books-full": 10, "market/trades": 100, "market/history-trades": 20,
               "market/tickers": 20, "market/ticker": 20, "market/candles": 40, "market/history-candles": 20,
               "public/instruments": 20, "public/funding-rate": 20, "public/mark-price": 10,
               "public/open-interest": 20, "public/time": 10}


def _kucoin(path: str, query: dict) -> list[Charge]:
    return [Charge("public", 2000, 30_000, _KUCOIN_WEIGHTS.get(path.rsplit("/", 1)[-1], 3))]


def _okx(path: str, query: dict) -> list[Charge]:
    name = path.split("/api/v5/", 1)[-1]
    return [Charge(name, 5 if name.startswith("rubik/") else _OKX_LIMITS.get(name, 20), 2000, 1)]


def _per_endpoint(limit: int, window_ms: int) -> Callable[[str, dict], list[Charge]]:
    return lambda path, query: [Charge(path, limit, window_ms, 1)]


# venue -> (charges of one request, what the budget is, in words)
BUDGETS: dict[str, tuple[Callable[[str, dict], list[Charge]], str]] = {
    "binance": (_binance, "6000 weight/min"),
    "binancecoinm": (_binancecoinm, "2400 weight/min (+1000 /futures/data per 5 min)"),
    "binanceusdm": (_binanceusdm, "2400 weight/min (+1000 /futures/data per 5 min)"),
    "gate": (_per_endpoint(200, 10_000), "200 requests/10 s per endpoint"),
    "kucoin": (_kucoin, "2000 weight/30 s"),
    "kucoinfutures": (_kucoin, "2000 weight/30 s"),
    "bitget": (_per_endpoint(20, 1000), "20 requests/s per endpoint"),
    "okx": (_okx, "per endpoint per 2 s"),
    "bybit": (lambda path, query: [Charge("ip", 600, 5000, 1)], "600 requests/5 s"),
}


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class _Bucket:
    window: int = -1
    used: int = 0
    peak_share: float = 0.0
    peak_used: int = 0
    limit: int = 0
    window_ms: int = 1


@dataclass
class VenueBudget:
    """The budget use of one venue: buckets, requests, weight, and the waits it imposed."""

    venue: str
    clock: Callable[[], int] = _wall_ms
    wait: bool = True  # False in virtual time: count only
    requests: int = 0
    weight: int = 0
    waits: int = 0
    buckets: dict[str, _Bucket] = field(default_factory=dict)
    # HTTP status -> answers received (exchanges.make_exchange counts them): 429 / 418 are the
    # venue telling us we overspent, which this accounting exists to prevent
    answers: Counter = field(default_factory=Counter)
    blocked_until_ms: int = 0  # no request before this time (a 429/418 Retry-After)
    blocked_because: str = ""
    held_back: int = 0  # requests not sent while blocked

    def answered(self, status: int, headers: dict | None = None) -> None:
        """Count one HTTP answer of the venue with `status`; a 429/418 with Retry-After blocks the venue."""
        self.answers[int(status)] += 1
        if int(status) not in BACKOFF_STATUSES:
            return
        now_ms = self.clock()
        seconds = retry_after_s(headers, now_ms)
        if seconds is None:
            return
        until = now_ms + int(seconds * 1000)
        if until <= self.blocked_until_ms:
            return
        self.blocked_until_ms = until
        self.blocked_because = (f"{self.venue} answered HTTP {status} ({BACKOFF_STATUSES[int(status)]}) at "
                                f"{_utc(now_ms)} with Retry-After {seconds:g} s")
        log.warning("%s: no request to %s until %s; its fetches are recorded as RetryAfter errors meanwhile",
                    self.blocked_because, self.venue, _utc(until))

    def charges(self, url: str) -> list[Charge]:
        """What a request to `url` costs on this venue."""
        parts = urlsplit(url)
        charges_of, _ = BUDGETS[self.venue]
        return charges_of(parts.path, dict(parse_qsl(parts.query)))

    def _room(self, charge: Charge, now_ms: int) -> int:
        """ms to wait until `charge` fits under SAFETY of its bucket (0: it fits now)."""
        bucket = self.buckets.get(charge.bucket)
        window = now_ms // charge.window_ms
        used = bucket.used if bucket and bucket.window == window else 0
        if used + charge.weight <= max(charge.weight, int(charge.limit * SAFETY)):
            return 0
        return (window + 1) * charge.window_ms - now_ms + 1

    async def acquire(self, url: str) -> None:
        """Charge one request to `url`, first waiting (wall clock) while it would overspend a bucket;
        RetryAfter (nothing sent) while the venue asked us to wait."""
        if self.clock() < self.blocked_until_ms:
            self.held_back += 1
            raise RetryAfter(f"not sent: {self.blocked_because}; no request to {self.venue} until "
                             f"{_utc(self.blocked_until_ms)}")
        charges = self.charges(url)
        while self.wait:
            delay = max(self._room(c, self.clock()) for c in charges)
            if delay <= 0:
                break
            self.waits += 1
            await asyncio.sleep(delay / 1000)
        now_ms = self.clock()
        self.requests += 1
        for charge in charges:
            bucket = self.buckets.setdefault(charge.bucket, _Bucket(limit=charge.limit, window_ms=charge.window_ms))
            window = now_ms // charge.window_ms
            if bucket.window != window:
                bucket.window, bucket.used = window, 0
            bucket.used += charge.weight
            self.weight += charge.weight
            share = bucket.used / charge.limit
            if share > bucket.peak_share:
                bucket.peak_share, bucket.peak_used = share, bucket.used

    def peak(self) -> tuple[str, float, int, int]:
        """(bucket, peak share of its limit, peak use, limit) of the most used bucket (empty: ('', 0, 0, 0))."""
        if not self.buckets:
            return "", 0.0, 0, 0
        name, bucket = max(self.buckets.items(), key=lambda item: item[1].peak_share)
        return name, bucket.peak_share, bucket.peak_used, bucket.limit

    def use_now(self) -> float:
        """Share of its limit the most used bucket has spent in its current window (0 once it passed)."""
        now_ms = self.clock()
        return max((bucket.used / bucket.limit for bucket in list(self.buckets.values())
                    if bucket.window == now_ms // bucket.window_ms), default=0.0)

    def report(self) -> str:
        """One line: requests, weight, the peak window use against the venue's budget, waits."""
        name, share, used, limit = self.peak()
        return (f"{self.venue}: {self.requests} requests, weight {self.weight}; peak {share:.1%} of the budget "
                f"({used}/{limit} in one window of {name or '-'}; {BUDGETS[self.venue][1]}); "
                f"{self.waits} waits for the next window")
