"""Ground truth: every order book the simulator served, judged against the scenario's obligations.

`TruthRecorder.record(...)` keeps, per served (exchange, symbol, ts), the facts spec §1-§2 need
(the same market and ts served twice counts once: the first is kept). `report()` evaluates
spec §3 for every obligation and UTC day: the non-USD quote rate is taken from the recorded
QUOTE/USDT snapshots (same exchange first, then others alphabetically, at or before ts, no older
than 60 s), so the order in which markets were served within one ts does not matter.
"""
from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable
from datetime import date

from simulator.market import STABLECOINS
from simulator.scenario import Obligation
from simulator.truth_math import (
    SnapshotFacts, SnapshotVerdict, aggregate_day, evaluate, snapshot_facts, utc_date,
)

RATE_MAX_AGE_MS = 60_000


class TruthRecorder:
    """Records served books and computes the reference compliance numbers (thread-safe)."""

    def __init__(self, obligations: Iterable[Obligation]):
        self.obligations = list(obligations)
        self._bands: dict[tuple[str, str], set[float]] = {}
        for obligation in self.obligations:
            self._bands.setdefault((obligation.exchange, obligation.symbol), set()).add(obligation.depth_band_bps)
        self._snapshots: dict[tuple[str, str], dict[int, SnapshotFacts]] = {}
        self._lock = threading.Lock()

    def record(self, exchange: str, symbol: str, ts: int, bids: list, asks: list) -> bool:
        """Record one served book; False (and nothing recorded) if this market+ts was already served."""
        key = (exchange, symbol)
        with self._lock:
            by_ts = self._snapshots.setdefault(key, {})
            if ts in by_ts:
                return False
            by_ts[ts] = None  # reserve under the lock, compute outside it
        facts = self.facts(exchange, symbol, ts, bids, asks)
        with self._lock:
            by_ts[ts] = facts
        return True

    def facts(self, exchange: str, symbol: str, ts: int, bids: list, asks: list) -> SnapshotFacts:
        """What `record` would keep for this book, without recording it (see `add`)."""
        return snapshot_facts(exchange, symbol, ts, bids, asks, self._bands.get((exchange, symbol), frozenset()))

    def add(self, facts: SnapshotFacts) -> bool:
        """Record facts computed earlier by `facts` (a book prepared ahead and now served); False if
        this market+ts was already served (the first is kept, as with `record`)."""
        with self._lock:
            by_ts = self._snapshots.setdefault((facts.exchange, facts.symbol), {})
            if facts.ts in by_ts:
                return False
            by_ts[facts.ts] = facts
        return True

    def reset(self) -> None:
        """Forget every recorded snapshot."""
        with self._lock:
            self._snapshots.clear()

    def snapshot_count(self) -> int:
        """Number of distinct (market, ts) snapshots recorded."""
        with self._lock:
            return sum(len(by_ts) for by_ts in self._snapshots.values())

    def _frozen(self) -> dict[tuple[str, str], list[SnapshotFacts]]:
        with self._lock:
            return {key: sorted((f for f in by_ts.values() if f is not None), key=lambda f: f.ts)
                    for key, by_ts in self._snapshots.items()}

    def verdicts(self, obligation: Obligation) -> tuple[dict[date, list[SnapshotVerdict]], dict[date, int]]:
        """Per UTC day inside the validity: the usable snapshots judged, and the invalid count."""
        snapshots = self._frozen()
        rates = _RateBook(snapshots)
        quote = obligation.symbol.split(":")[0].split("/")[1]  # BTC/USD:BTC quotes USD
        by_day: dict[date, list[SnapshotVerdict]] = {}
        invalid: dict[date, int] = {}
        for facts in snapshots.get((obligation.exchange, obligation.symbol), []):
            day = utc_date(facts.ts)
            if not obligation.valid_on(day):
                continue
            by_day.setdefault(day, [])
            invalid.setdefault(day, 0)
            if not facts.usable:
                invalid[day] += 1
                continue
            rate = rates.usd_rate(obligation.exchange, quote, facts.ts) if facts.two_sided else None
            by_day[day].append(evaluate(facts, obligation, rate))
        return by_day, invalid

    def report(self) -> dict:
        """JSON-ready truth: snapshot counts and, per obligation, per-day aggregates with episodes."""
        result = []
        for obligation in self.obligations:
            by_day, invalid = self.verdicts(obligation)
            days = [aggregate_day(obligation, day, by_day[day], invalid[day]) for day in sorted(by_day)]
            result.append({"obligation_id": obligation.obligation_id, "mm_name": obligation.mm_name,
                           "exchange": obligation.exchange, "symbol": obligation.symbol, "days": days})
        snapshots = self._frozen()
        return {
            "snapshots": sum(len(rows) for rows in snapshots.values()),
            "invalid_snapshots": sum(not f.usable for rows in snapshots.values() for f in rows),
            "markets": {f"{e}:{s}": len(rows) for (e, s), rows in sorted(snapshots.items())},
            "obligations": result,
        }


class _RateBook:
    """USD rate of a quote currency at ts from recorded QUOTE/USDT snapshots (spec §2)."""

    def __init__(self, snapshots: dict[tuple[str, str], list[SnapshotFacts]]):
        self._snapshots = snapshots
        self._index: dict[tuple[str, str], tuple[list[int], list[float]]] = {}

    def _series(self, key: tuple[str, str]) -> tuple[list[int], list[float]]:
        if key not in self._index:
            rows = [f for f in self._snapshots.get(key, []) if f.two_sided]
            self._index[key] = ([f.ts for f in rows], [f.mid for f in rows])
        return self._index[key]

    def usd_rate(self, exchange: str, quote: str, ts: int) -> float | None:
        """1.0 for stablecoins; else the mid of the freshest eligible QUOTE/USDT snapshot, or None."""
        if quote in STABLECOINS:
            return 1.0
        symbol = f"{quote}/USDT"
        others = sorted(e for e, s in self._snapshots if s == symbol and e != exchange)
        for candidate in [exchange, *others]:
            times, mids = self._series((candidate, symbol))
            index = bisect.bisect_right(times, ts) - 1
            if index >= 0 and ts - times[index] <= RATE_MAX_AGE_MS:
                return mids[index]
        return None
