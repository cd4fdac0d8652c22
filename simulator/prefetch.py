"""Answers prepared one clock step ahead, while the server waits for the client (virtual clock).

In a simulated day the collector asks the same books every cycle and then spends milliseconds
parsing them before it moves the clock on. A request that came at t − step and again at t will
most likely come again at t + step, so the server prepares that answer during its idle time: the
dialect runs with a `VenueContext` at t + step whose ground truth is held back (`HeldTruth`). The
answer is used only if the clock really reaches t + step and the same request comes (after the
usual down / rate-limit checks, which are never prepared); only then are its books recorded.
Books, tickers and trades are pure functions of (seed, market, t), so a prepared answer is exactly
the answer computed on arrival; anything else is simply computed on arrival.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from simulator.market import World
from simulator.truth import TruthRecorder
from simulator.truth_math import SnapshotFacts
from simulator.venue import Response, VenueContext

log = logging.getLogger(__name__)
MAX_PENDING = 1_000  # prepared or queued answers kept at most (one clock step's worth)


@dataclass
class HeldTruth:
    """Stands in for the TruthRecorder while an answer is prepared: computes the facts, keeps them."""

    recorder: TruthRecorder
    held: list[SnapshotFacts] = field(default_factory=list)

    def record(self, exchange: str, symbol: str, ts: int, bids: list, asks: list) -> bool:
        self.held.append(self.recorder.facts(exchange, symbol, ts, bids, asks))
        return True


@dataclass(frozen=True)
class _Request:
    venue: str
    target: str  # path and query string, as sent
    route: str
    query: tuple[tuple[str, str], ...]
    now_ms: int


class Prefetcher:
    """Prepares answers of recurring requests for the next clock step (see the module docstring)."""

    def __init__(self, world: World, truth: TruthRecorder, dialects: dict):
        self.world = world
        self.truth = truth
        self.dialects = dialects
        self._last_seen: dict[tuple[str, str], int] = {}  # (venue, target) → last time it was asked
        self._queue: dict[tuple[str, str, int], _Request] = {}
        self._ready: dict[tuple[str, str, int], tuple[Response, list[SnapshotFacts]]] = {}
        self.prepared = self.used = 0

    def take(self, venue: str, target: str, now_ms: int) -> Response | None:
        """The prepared answer of this request at `now_ms` (its books now recorded), or None."""
        ready = self._ready.pop((venue, target, now_ms), None)
        if ready is None:
            return None
        response, held = ready
        for facts in held:
            self.truth.add(facts)
        self.used += 1
        return response

    def note(self, venue: str, target: str, route: str, query: dict[str, str], now_ms: int, step_ms: int) -> None:
        """A request was answered at `now_ms`: if it also came one step earlier, queue it for the next step."""
        key = (venue, target)
        previous = self._last_seen.get(key)
        self._last_seen[key] = now_ms
        if len(self._last_seen) > MAX_PENDING:
            self._last_seen.clear()
        if step_ms <= 0 or previous != now_ms - step_ms:
            return
        self._forget_before(now_ms)
        if len(self._queue) + len(self._ready) < MAX_PENDING:
            ahead = now_ms + step_ms
            self._queue[(venue, target, ahead)] = _Request(venue, target, route, tuple(query.items()), ahead)

    def _forget_before(self, now_ms: int) -> None:
        for pending in (self._queue, self._ready):
            for stale in [key for key in pending if key[2] < now_ms]:
                del pending[stale]

    def prepare_one(self) -> bool:
        """Prepare one queued answer; False when nothing is left to prepare."""
        if not self._queue:
            return False
        key = next(iter(self._queue))
        request = self._queue.pop(key)
        held = HeldTruth(self.truth)
        context = VenueContext(self.world, request.venue, request.now_ms, held)
        try:
            response = self.dialects[request.venue].handle(context, request.route, dict(request.query))
        except Exception:  # never let a prepared answer break serving: it is computed on arrival instead
            log.exception("could not prepare %s at %d", request.target, request.now_ms)
            return bool(self._queue)
        self._ready[key] = (response, held.held)
        self.prepared += 1
        return bool(self._queue)
