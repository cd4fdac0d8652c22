"""Faults of a venue's gateway, set per venue through `POST /_sim/fault` on top of the scenario.

  slow            every answer of the venue is held back `delay_s` seconds (a client with a
                  shorter timeout gives up: ccxt RequestTimeout); other venues answer at once
  malformed_json  HTTP 200 whose JSON body is cut in the middle (a truncated proxy answer)
  stale           the venue answers as of the instant the fault was set (a stuck cache): the same
                  books with the same timestamps, no newer trades, until the fault is lifted
  null            back to normal

Down windows (5xx), rate limits (429/418) and the scenario's market behaviours (crossed books,
empty 200 bodies, outages) are elsewhere: `simulator.server`, `simulator.ratelimit`, `simulator.book`.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, replace

import orjson

from simulator.venue import Response

FAULTS = ("slow", "malformed_json", "stale")
DEFAULT_DELAY_S = 30.0
MAX_DELAY_S = 600.0


@dataclass(frozen=True)
class Fault:
    """One venue's fault: its kind, the delay of `slow`, the frozen instant of `stale`."""

    kind: str
    delay_s: float = 0.0
    since_ms: int = 0

    def now_ms(self, now_ms: int) -> int:
        """The instant the venue answers as of: frozen while `stale`."""
        return self.since_ms if self.kind == "stale" else now_ms

    def spoil(self, response: Response) -> Response:
        """The answer as the faulty gateway gives it."""
        if self.kind == "slow":
            return replace(response, delay_s=self.delay_s)
        if self.kind == "malformed_json" and response.status == 200:
            return replace(response, body=response.body[: max(1, len(response.body) // 2)])
        return response


class VenueFaults:
    """The faults set per venue (thread-safe); `set_from(body, venues, now_ms)` serves the control endpoint."""

    def __init__(self):
        self._faults: dict[str, Fault] = {}
        self._lock = threading.Lock()

    def get(self, venue: str) -> Fault | None:
        """The venue's fault, or None."""
        with self._lock:
            return self._faults.get(venue)

    def report(self) -> dict[str, dict]:
        """{venue: {"fault", "delay_s", "since_ms"}} of every venue with a fault."""
        with self._lock:
            return {venue: {"fault": f.kind, "delay_s": f.delay_s, "since_ms": f.since_ms}
                    for venue, f in self._faults.items()}

    def set_from(self, body: bytes, venues, now_ms: int) -> Response:
        """Apply `{"venue": id, "fault": kind|null, "delay_s": s}`; 400 naming the bad field."""
        try:
            payload = orjson.loads(body or b"{}")
            venue, kind = payload.get("venue"), payload.get("fault")
            delay_s = float(payload.get("delay_s", DEFAULT_DELAY_S))
        except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
            return Response.json({"error": 'send {"venue": <id>, "fault": <kind or null>, "delay_s": <seconds>}'}, 400)
        if venue not in venues:
            return Response.json({"error": f"venue {venue!r} is not in the scenario ({', '.join(venues)})"}, 400)
        if kind is not None and kind not in FAULTS:
            return Response.json({"error": f"fault {kind!r} is not one of {', '.join(FAULTS)} or null"}, 400)
        if kind == "slow" and not 0 < delay_s <= MAX_DELAY_S:
            return Response.json({"error": f"delay_s {delay_s!r} is not in (0, {MAX_DELAY_S:g}]"}, 400)
        with self._lock:
            if kind is None:
                self._faults.pop(venue, None)
            else:
                self._faults[venue] = Fault(kind, delay_s if kind == "slow" else 0.0, now_ms)
        return Response.json({"venue": venue, "fault": kind})
