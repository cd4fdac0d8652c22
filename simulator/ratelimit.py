"""Per-venue public REST budgets, enforced per client IP in fixed windows of the simulator's clock.

Numbers (public market-data endpoints, per IP):
  binance       6,000 weight / 1 min. Weights: depth ≤100: 5, ≤500: 25, ≤1000: 50, ≤5000: 250;
                trades 25; aggTrades 4; klines 2; ticker/24hr one symbol 2, 1-20 symbols 2,
                21-100: 40, all 80; bookTicker 2 (all 4); exchangeInfo 20; ping/time 1.
                Over budget: HTTP 429 {"code":-1003,...}; after 3 answers of 429 in one window the
                IP is banned for 2 min and every request answers HTTP 418 (ccxt: DDoSProtection).
  binanceusdm   2,400 weight / 1 min (fapi). depth ≤50: 2, 100: 5, 500: 10, 1000: 20; trades 5;
                aggTrades 20; klines <100: 1, <500: 2, ≤1000: 5; premiumIndex 1 (all 10);
                openInterest 1; ticker/24hr 1 (all 40); exchangeInfo 1. /futures/data/*: their own
                1,000 requests / 5 min. Same 429 then 418 behaviour as binance.
  binancecoinm  2,400 weight / 1 min (dapi), weights as binanceusdm except premiumIndex 10 (a
                list, with or without a symbol); /futures/data/*: 1,000 requests / 5 min.
  gate          200 requests / 10 s per endpoint → 429 {"label":"TOO_MANY_REQUESTS",...}.
  kucoin        public pool 2,000 weight / 30 s. symbols 4, orderbook level2_20 2, level2_100 4,
                histories 3, allTickers 15, candles 3, timestamp 3, bullet-public 10
                → 429 {"code":"429000",...}.
  kucoinfutures public pool 2,000 weight / 30 s. contracts/active 3, level2 depth20 5,
                depth100 10, level2 snapshot 3, bullet-public 10, trade/history 5, kline/query 3,
                funding-rate 2, mark-price 3, UTA open-interest 5, timestamp 2, allTickers 5.
  bitget        20 requests / 1 s per endpoint → 429 {"code":"429","msg":"Too Many Requests"}.
  okx           per endpoint per 2 s: books 40, books-full 10, trades 100, tickers 20, candles 40,
                history-candles 20, instruments 20, funding-rate 20, mark-price 10,
                open-interest 20, rubik statistics 5, time 10, others 20
                → 429 {"code":"50011","msg":"Too Many Requests"}.
  bybit         600 requests / 5 s per IP over all endpoints → HTTP 403 "access too frequent" and
                the IP is blocked for 10 min (as Bybit documents it).

Modes (`SimulatorApp(rate_limits=...)`, `--rate-limits`): 'auto' enforces with the wall clock and
only counts (never refuses) with the virtual clock, where time jumps would make budgets
meaningless; 'on' enforces on either clock (tests drive it with the virtual clock, so windows
are exact); 'off' only counts. A venue's scenario `rate_limit: {enabled, scale}` switches its
budget off or multiplies every limit.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from mmwatch.collector.budget import Charge, query_int, steps

MINUTE_MS = 60_000
RATE_LIMIT_MODES = ("auto", "on", "off")


@dataclass(frozen=True)
class Policy:
    """A venue's budget: `charges(route, query)` and its behaviour when exceeded."""

    charges: Callable[[str, dict], list[Charge]]
    ban_after: int | None = None  # 429 answers in one window before a ban (None: never banned)
    ban_ms: int = 0
    describe: str = ""


def _binance_spot(route: str, query: dict) -> list[Charge]:
    route = route.removeprefix("api/v3/")
    if route == "depth":
        weight = steps(query_int(query, "limit", 100), [(100, 5), (500, 25), (1000, 50)], 250)
    elif route == "ticker/24hr":
        count = len(query["symbols"].split(",")) if query.get("symbols") else (1 if query.get("symbol") else 0)
        weight = 80 if count == 0 else steps(count, [(20, 2), (100, 40)], 80)
    else:
        weight = {"trades": 25, "historicalTrades": 25, "aggTrades": 4, "klines": 2, "exchangeInfo": 20,
                  "ticker/bookTicker": 2 if query.get("symbol") else 4}.get(route, 1)
    return [Charge("weight", 6000, MINUTE_MS, weight)]


def _binance_usdm(route: str, query: dict) -> list[Charge]:
    if route.startswith("futures/data/"):
        return [Charge("futures_data", 1000, 5 * MINUTE_MS, 1)]
    route = route.split("/", 2)[-1]
    if route == "depth":
        weight = steps(query_int(query, "limit", 500), [(50, 2), (100, 5), (500, 10)], 20)
    elif route == "klines":
        weight = steps(query_int(query, "limit", 500), [(99, 1), (499, 2), (1000, 5)], 10)
    elif route in ("premiumIndex", "ticker/24hr"):
        weight = 1 if query.get("symbol") else (10 if route == "premiumIndex" else 40)
    else:
        weight = {"trades": 5, "aggTrades": 20}.get(route, 1)
    return [Charge("weight", 2400, MINUTE_MS, weight)]


def _binance_coinm(route: str, query: dict) -> list[Charge]:
    if route == "dapi/v1/premiumIndex":
        return [Charge("weight", 2400, MINUTE_MS, 10)]
    return _binance_usdm(route, query)


def _per_endpoint(limit: int, window_ms: int) -> Callable[[str, dict], list[Charge]]:
    return lambda route, query: [Charge(route, limit, window_ms, 1)]


KUCOIN_WEIGHTS = {"api/v2/symbols": 4, "api/v1/market/orderbook/level2_20": 2, "api/v1/market/orderbook/level2_100": 4,
                  "api/v1/market/histories": 3, "api/v1/market/allTickers": 15, "api/v1/market/candles": 3,
                  "api/v1/timestamp": 3, "api/v1/bullet-public": 10}
KUCOIN_FUTURES_WEIGHTS = {"api/v1/contracts/active": 3, "api/v1/level2/depth20": 5, "api/v1/level2/depth100": 10,
                          "api/v1/level2/snapshot": 3, "api/v1/trade/history": 5, "api/v1/kline/query": 3,
                          "api/v1/timestamp": 2, "api/ua/v1/market/open-interest": 5, "api/v1/allTickers": 5,
                          "api/v1/bullet-public": 10}


def _kucoin(weights: dict[str, int]) -> Callable[[str, dict], list[Charge]]:
    def charges(route: str, query: dict) -> list[Charge]:
        weight = weights.get(route)
        if weight is None:
            weight = 2 if route.startswith("api/v1/funding-rate") else 3
        return [Charge("public", 2000, 30_000, weight)]
    return charges


OKX_LIMITS = {"market/books": 40, "market/books-full": 10, "market/trades": 100, "market/tickers": 20,
              "market/candles": 40, "market/history-candles": 20, "public/instruments": 20,
              "public/funding-rate": 20, "public/mark-price": 10, "public/open-interest": 20, "public/time": 10}


def _okx(route: str, query: dict) -> list[Charge]:
    short = route.removeprefix("api/v5/")
    limit = 5 if short.startswith("rubik/") else OKX_LIMITS.get(short, 20)
    return [Charge(short, limit, 2000, 1)]


POLICIES: dict[str, Policy] = {
    "binance": Policy(_binance_spot, ban_after=3, ban_ms=2 * MINUTE_MS, describe="6000 weight/min"),
    "binanceusdm": Policy(_binance_usdm, ban_after=3, ban_ms=2 * MINUTE_MS, describe="2400 weight/min"),
    "binancecoinm": Policy(_binance_coinm, ban_after=3, ban_ms=2 * MINUTE_MS, describe="2400 weight/min"),
    "gate": Policy(_per_endpoint(200, 10_000), describe="200 requests/10 s per endpoint"),
    "kucoin": Policy(_kucoin(KUCOIN_WEIGHTS), describe="2000 weight/30 s"),
    "kucoinfutures": Policy(_kucoin(KUCOIN_FUTURES_WEIGHTS), describe="2000 weight/30 s"),
    "bitget": Policy(_per_endpoint(20, 1000), describe="20 requests/s per endpoint"),
    "okx": Policy(_okx, describe="per endpoint per 2 s"),
    "bybit": Policy(lambda route, query: [Charge("ip", 600, 5000, 1)], ban_after=0, ban_ms=10 * MINUTE_MS,
                    describe="600 requests/5 s"),
}


@dataclass
class Verdict:
    """What the limiter says about one request: 'ok', 'limited' (429-type) or 'banned' (418-type)."""

    outcome: str
    weight: int
    retry_after_ms: int = 0
    banned_until_ms: int = 0
    used: dict[str, int] = field(default_factory=dict)


class RateLimiter:
    """Counts every request per (venue, ip, bucket) and refuses those over budget when enforcing."""

    def __init__(self, enforce: bool, scales: dict[str, float] | None = None,
                 disabled: frozenset[str] = frozenset()):
        self.enforce = enforce
        self.scales = scales or {}
        self.disabled = disabled
        self._windows: dict[tuple[str, str, str], tuple[int, int]] = {}  # → (window index, used)
        self._strikes: dict[tuple[str, str], tuple[int, int]] = {}  # (venue, ip) → (window index, 429s)
        self._banned: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def check(self, venue: str, ip: str, route: str, query: dict, now_ms: int) -> Verdict:
        """Charge one request at `now_ms`; a refused request is not charged."""
        policy = POLICIES[venue]
        charges = policy.charges(route, query)
        weight = sum(c.weight for c in charges)
        enforce = self.enforce and venue not in self.disabled
        scale = self.scales.get(venue, 1.0)
        with self._lock:
            banned_until = self._banned.get((venue, ip), 0)
            if enforce and now_ms < banned_until:
                return Verdict("banned", weight, banned_until - now_ms, banned_until)
            states = []
            for charge in charges:
                index = now_ms // charge.window_ms
                seen_index, used = self._windows.get((venue, ip, charge.bucket), (index, 0))
                used = used if seen_index == index else 0
                states.append((charge, index, used))
            over = [(c, i) for c, i, used in states if used + c.weight > int(c.limit * scale)]
            if enforce and over:
                charge, index = over[0]
                retry = (index + 1) * charge.window_ms - now_ms
                return self._refuse(policy, venue, ip, now_ms, index, weight, retry)
            used_now = {}
            for charge, index, used in states:
                self._windows[(venue, ip, charge.bucket)] = (index, used + charge.weight)
                used_now[charge.bucket] = used + charge.weight
            return Verdict("ok", weight, used=used_now)

    def _refuse(self, policy: Policy, venue: str, ip: str, now_ms: int, index: int, weight: int,
                retry_ms: int) -> Verdict:
        if policy.ban_after is None:
            return Verdict("limited", weight, retry_ms)
        seen_index, strikes = self._strikes.get((venue, ip), (index, 0))
        strikes = strikes if seen_index == index else 0
        if strikes >= policy.ban_after:
            until = now_ms + policy.ban_ms
            self._banned[(venue, ip)] = until
            self._strikes[(venue, ip)] = (index, 0)
            return Verdict("banned", weight, policy.ban_ms, until)
        self._strikes[(venue, ip)] = (index, strikes + 1)
        return Verdict("limited", weight, retry_ms)
