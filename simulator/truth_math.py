"""Spec §1-§3 written out in plain Python: the reference the pipeline is tested against.

Pure functions, no I/O: snapshot validity and per-snapshot metrics (`snapshot_facts`),
compliance of one snapshot against one obligation (`evaluate`), and the per-day aggregates
and breach episodes (`aggregate_day`).
"""
from __future__ import annotations

import math
from bisect import bisect_right
from math import isfinite
from operator import ge, le, mul, neg
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from simulator.scenario import Obligation

MINUTE_MS = 60_000
DAY_MINUTES = 1440
MAX_GAP_MS = 120_000  # a gap of more than this ends a breach episode


@dataclass(frozen=True)
class SnapshotFacts:
    """What the metrics need from one served book (spec §1-§2), in quote currency."""

    exchange: str
    symbol: str
    ts: int
    invalid_reason: str | None
    best_bid: float | None
    best_ask: float | None
    depth_quote: dict[float, tuple[float, float]] = field(default_factory=dict)  # band → (bid, ask)

    @property
    def usable(self) -> bool:
        return self.invalid_reason is None

    @property
    def two_sided(self) -> bool:
        return self.usable and self.best_bid is not None and self.best_ask is not None

    @property
    def mid(self) -> float | None:
        return (self.best_bid + self.best_ask) / 2 if self.two_sided else None

    @property
    def spread_bps(self) -> float | None:
        mid = self.mid
        return (self.best_ask - self.best_bid) / mid * 10_000 if mid is not None else None


def _invalid_reason(bids: list, asks: list) -> str | None:
    bad_amount = False
    for side in (bids, asks):
        for price, amount in side:
            if amount == 0:
                continue  # zero-amount levels are ignored by every rule
            if not (0 < price < math.inf):  # also false for NaN
                return "bad_price"
            if not (0 <= amount < math.inf):
                bad_amount = True
    return "bad_amount" if bad_amount else None


def snapshot_facts(exchange: str, symbol: str, ts: int, bids: list, asks: list,
                   bands: set[float] | frozenset[float] = frozenset()) -> SnapshotFacts:
    """Validity, touch and depth per band (spec §1-§2) of one book; zero-amount levels ignored."""
    fast = _ordered_facts(exchange, symbol, ts, bids, asks, bands)
    return fast if fast is not None else _any_order_facts(exchange, symbol, ts, bids, asks, bands)


def _any_order_facts(exchange: str, symbol: str, ts: int, bids: list, asks: list,
                     bands: set[float] | frozenset[float]) -> SnapshotFacts:
    """The rules word for word, for any book (levels in any order, zero amounts, bad values)."""
    reason = _invalid_reason(bids, asks)
    if reason is not None:
        return SnapshotFacts(exchange, symbol, ts, reason, None, None)
    live_bids = [(p, a) for p, a in bids if a != 0]
    live_asks = [(p, a) for p, a in asks if a != 0]
    best_bid = max((p for p, _ in live_bids), default=None)
    best_ask = min((p for p, _ in live_asks), default=None)
    if best_bid is not None and best_ask is not None and best_bid >= best_ask:
        return SnapshotFacts(exchange, symbol, ts, "crossed_book", best_bid, best_ask)
    depth: dict[float, tuple[float, float]] = {}
    if best_bid is not None and best_ask is not None:
        mid = (best_bid + best_ask) / 2
        for band in bands:
            low, high = mid * (1 - band / 10_000), mid * (1 + band / 10_000)
            depth[band] = (sum(p * a for p, a in live_bids if p >= low),
                           sum(p * a for p, a in live_asks if p <= high))
    return SnapshotFacts(exchange, symbol, ts, None, best_bid, best_ask, depth)


def _columns(side: list, descending: bool) -> tuple[tuple, tuple] | None:
    """(prices, amounts) of a side whose prices are finite, > 0 and sorted best first and whose
    amounts are finite and > 0; None for any other side."""
    if not side:
        return (), ()
    prices, amounts = zip(*side)
    if not (isfinite(sum(prices)) and min(prices) > 0 and isfinite(sum(amounts)) and min(amounts) > 0):
        return None  # a sum is finite only without NaN and inf
    in_order = all(map(ge, prices, prices[1:])) if descending else all(map(le, prices, prices[1:]))
    return (prices, amounts) if in_order else None


def _ordered_facts(exchange: str, symbol: str, ts: int, bids: list, asks: list,
                   bands: set[float] | frozenset[float]) -> SnapshotFacts | None:
    """The same facts as `_any_order_facts`, faster, for the common book: every level valid with an
    amount > 0, each side sorted best first. The levels inside a band are then a prefix of the side,
    summed in the same order (so the same floats). None when the book is not of that kind."""
    bid_columns, ask_columns = _columns(bids, True), _columns(asks, False)
    if bid_columns is None or ask_columns is None:
        return None
    (bid_prices, bid_amounts), (ask_prices, ask_amounts) = bid_columns, ask_columns
    best_bid = bid_prices[0] if bid_prices else None
    best_ask = ask_prices[0] if ask_prices else None
    if best_bid is None or best_ask is None:
        return SnapshotFacts(exchange, symbol, ts, None, best_bid, best_ask, {})
    if best_bid >= best_ask:
        return SnapshotFacts(exchange, symbol, ts, "crossed_book", best_bid, best_ask)
    mid = (best_bid + best_ask) / 2
    bid_notional = list(map(mul, bid_prices, bid_amounts))
    ask_notional = list(map(mul, ask_prices, ask_amounts))
    depth: dict[float, tuple[float, float]] = {}
    for band in bands:
        low, high = mid * (1 - band / 10_000), mid * (1 + band / 10_000)
        inside_bids = bisect_right(bid_prices, -low, key=neg)  # bid prices >= low
        inside_asks = bisect_right(ask_prices, high)  # ask prices <= high
        depth[band] = (sum(bid_notional[:inside_bids]), sum(ask_notional[:inside_asks]))
    return SnapshotFacts(exchange, symbol, ts, None, best_bid, best_ask, depth)


@dataclass(frozen=True)
class SnapshotVerdict:
    """One usable snapshot judged against one obligation (spec §3)."""

    ts: int
    two_sided: bool
    spread_bps: float | None
    depth_bid_usd: float | None
    depth_ask_usd: float | None
    usd_rate_missing: bool
    compliant: bool
    bid_ok: bool
    ask_ok: bool


def evaluate(facts: SnapshotFacts, obligation: Obligation, usd_rate: float | None) -> SnapshotVerdict:
    """Judge one usable snapshot; `usd_rate` None means no rate (depth USD NULL, not compliant)."""
    if not facts.two_sided:
        return SnapshotVerdict(facts.ts, False, None, None, None, False, False, False, False)
    bid_q, ask_q = facts.depth_quote[obligation.depth_band_bps]
    missing = usd_rate is None
    bid_usd = None if missing else bid_q * usd_rate
    ask_usd = None if missing else ask_q * usd_rate
    bid_ok = bid_usd is not None and bid_usd >= obligation.min_depth_usd
    ask_ok = ask_usd is not None and ask_usd >= obligation.min_depth_usd
    spread = facts.spread_bps
    compliant = spread <= obligation.max_spread_bps and bid_ok and ask_ok
    return SnapshotVerdict(facts.ts, True, spread, bid_usd, ask_usd, missing, compliant, bid_ok, ask_ok)


def utc_date(ts_ms: int) -> date:
    """The UTC calendar day of an epoch-ms timestamp."""
    return datetime.fromtimestamp(ts_ms / 1000, tz=timezone.utc).date()


def _episodes(verdicts: list[SnapshotVerdict]) -> list[dict]:
    episodes: list[dict] = []
    start = last = None

    def close(end_ts: int, ended_by: str) -> None:
        episodes.append({"start_ts": start, "end_ts": end_ts, "duration_s": (end_ts - start) / 1000,
                         "ended_by": ended_by})

    previous_ts = None
    for verdict in verdicts:
        if start is not None and verdict.ts - previous_ts > MAX_GAP_MS:
            close(last, "gap")
            start = None
        if verdict.compliant:
            if start is not None:
                close(verdict.ts, "compliant")
                start = None
        else:
            if start is None:
                start = verdict.ts
            last = verdict.ts
        previous_ts = verdict.ts
    if start is not None:
        close(last, "end_of_day")
    return episodes


def _pct_mean(minutes: dict[int, list[SnapshotVerdict]], attribute: str) -> float | None:
    if not minutes:
        return None
    shares = [sum(getattr(v, attribute) for v in rows) / len(rows) for rows in minutes.values()]
    return 100 * sum(shares) / len(shares)


def aggregate_day(obligation: Obligation, day: date, verdicts: list[SnapshotVerdict],
                  invalid_snapshots: int = 0) -> dict:
    """Spec §3 per obligation per UTC day from the day's usable snapshots (any order)."""
    verdicts = sorted(verdicts, key=lambda v: v.ts)
    day_start = int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp() * 1000)
    minutes: dict[int, list[SnapshotVerdict]] = {}
    for verdict in verdicts:
        minutes.setdefault((verdict.ts - day_start) // MINUTE_MS, []).append(verdict)
    uptime = _pct_mean(minutes, "compliant")
    coverage = 100 * len(minutes) / DAY_MINUTES
    if coverage < obligation.min_coverage_pct or uptime is None:
        verdict = "insufficient_data"
    else:
        verdict = "pass" if uptime >= obligation.min_uptime_pct else "fail"
    episodes = _episodes(verdicts)
    return {
        "obligation_id": obligation.obligation_id,
        "day": day.isoformat(),
        "usable_snapshots": len(verdicts),
        "invalid_snapshots": invalid_snapshots,
        "compliant_snapshots": sum(v.compliant for v in verdicts),
        "usd_rate_missing_snapshots": sum(v.usd_rate_missing for v in verdicts),
        "covered_minutes": len(minutes),
        "coverage_pct": coverage,
        "uptime_pct": uptime,
        "bid_uptime_pct": _pct_mean(minutes, "bid_ok"),
        "ask_uptime_pct": _pct_mean(minutes, "ask_ok"),
        "verdict": verdict,
        "breach_episodes": len(episodes),
        "longest_breach_s": max((e["duration_s"] for e in episodes), default=0.0),
        "breach_minutes": sum(1 for rows in minutes.values() if not all(v.compliant for v in rows)),
        "episodes": episodes,
    }
