"""Stream faults: armed through POST /_sim/stream_fault, applied by the stream server's pushers, logged.

Faults (per venue, optionally one symbol):
  drop_update        the next update of each subscribed book is not sent (the next one shows the gap)
  duplicate_update   the next update is sent twice
  reorder_updates    the next two updates are sent in swapped order
  bad_checksum       the next update carries a wrong checksum (checksum venues; `BookUpdate.bad_checksum`)
  disconnect         every connection of the venue open when armed is cut (TCP abort, no close frame)
  server_close       every such connection gets a close frame 1001 "going away" (Binance's 24 h roll-over)
  stall              no book or trade message for `seconds` (connection and pings alive); afterwards the
                     feed catches up with one update spanning the stall (ids stay contiguous)
One-shot update faults apply to the update holding id `at_id` (the first id after arming) on every
connection already subscribed; a subscription made later is not affected. Each application is logged
(`log()`): {"wall_ms", "venue", "symbol", "fault", "update_id", "connection"} (+ "until_ms" for a stall),
update_id being the id of the update dropped / duplicated / held back / corrupted, the first id a stall
held back, or the last id sent before a disconnect / server_close.
"""
from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field

import orjson

from simulator.venue import Response

UPDATE_FAULTS = ("drop_update", "duplicate_update", "reorder_updates", "bad_checksum")
CONNECTION_FAULTS = ("disconnect", "server_close")
STREAM_FAULTS = UPDATE_FAULTS + CONNECTION_FAULTS + ("stall",)
KEPT_S = 120  # an armed fault is forgotten this long after arming (or after its stall ended)
LOG_KEPT = 10_000


def wall_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class StreamFault:
    id: int
    venue: str
    symbol: str | None
    fault: str
    armed_ms: int
    at_id: int  # update faults: the id they hit; stall: the first id held back
    until_ms: int | None = None  # stall end
    applied: set = field(default_factory=set)  # (connection, symbol) already hit

    def matches(self, venue: str, symbol: str | None) -> bool:
        return venue == self.venue and (self.symbol is None or symbol is None or symbol == self.symbol)

    def report(self) -> dict:
        return {"id": self.id, "venue": self.venue, "symbol": self.symbol, "fault": self.fault,
                "armed_ms": self.armed_ms, "at_id": self.at_id, "until_ms": self.until_ms,
                "applied": len(self.applied)}


class StreamFaults:
    """The armed faults and the log (thread-safe: the control endpoint and pushers may share them)."""

    def __init__(self, venues: dict, update_ms_of):
        self.venues = venues  # scenario venues (names and markets)
        self.update_ms_of = update_ms_of  # venue -> update_ms
        self._faults: list[StreamFault] = []
        self._log: list[dict] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def arm(self, venue: str, fault: str, symbol: str | None = None, seconds: float | None = None,
            now_ms: int | None = None) -> StreamFault:
        """Arm `fault`; ValueError for an unknown venue / symbol / fault or a stall without seconds."""
        if venue not in self.venues:
            raise ValueError(f"venue {venue!r} is not in the scenario ({', '.join(self.venues)})")
        if symbol is not None and symbol not in {m.symbol for m in self.venues[venue].markets}:
            raise ValueError(f"symbol {symbol!r} is not a market of {venue}")
        if fault not in STREAM_FAULTS:
            raise ValueError(f"fault {fault!r} is not one of {', '.join(STREAM_FAULTS)}")
        if fault == "stall" and not (seconds and seconds > 0):
            raise ValueError("a stall needs 'seconds' > 0")
        now = wall_ms() if now_ms is None else int(now_ms)
        until = now + int(seconds * 1000) if fault == "stall" else None
        armed = StreamFault(next(self._ids), venue, symbol, fault, now, now // self.update_ms_of(venue) + 1, until)
        with self._lock:
            self._faults = [f for f in self._faults if (f.until_ms or f.armed_ms) + KEPT_S * 1000 > now]
            self._faults.append(armed)
        return armed

    def clear(self, venue: str) -> None:
        """Forget every armed fault of `venue` (ends a stall)."""
        with self._lock:
            self._faults = [f for f in self._faults if f.venue != venue]

    def take_update_fault(self, connection: int, venue: str, symbol: str, first_id: int, last_id: int) -> str | None:
        """The one-shot update fault hitting the update first_id..last_id of this connection, or None."""
        with self._lock:
            for f in self._faults:
                if f.fault in UPDATE_FAULTS and f.matches(venue, symbol) and first_id <= f.at_id <= last_id \
                        and (connection, symbol) not in f.applied:
                    f.applied.add((connection, symbol))
                    return f.fault
        return None

    def stalled(self, connection: int, venue: str, symbol: str, next_id: int, now_ms: int) -> bool:
        """True while a stall holds this market's messages back (logged once per connection and market)."""
        with self._lock:
            for f in self._faults:
                if f.fault == "stall" and f.matches(venue, symbol) and f.armed_ms <= now_ms < f.until_ms:
                    if (connection, symbol) not in f.applied:
                        f.applied.add((connection, symbol))
                        self._append(venue, symbol, "stall", next_id, connection, until_ms=f.until_ms)
                    return True
        return False

    def take_connection_fault(self, connection: int, venue: str, symbols: set[str], opened_ms: int) -> StreamFault | None:
        """A disconnect / server_close for this connection (opened before the fault was armed), or None."""
        with self._lock:
            for f in self._faults:
                if f.fault in CONNECTION_FAULTS and f.venue == venue and opened_ms <= f.armed_ms \
                        and (f.symbol is None or f.symbol in symbols) and (connection, None) not in f.applied:
                    f.applied.add((connection, None))
                    return f
        return None

    def note(self, venue: str, symbol: str | None, fault: str, update_id: int | None, connection: int) -> None:
        """Log one application of a fault."""
        with self._lock:
            self._append(venue, symbol, fault, update_id, connection)

    def _append(self, venue, symbol, fault, update_id, connection, **extra) -> None:
        self._log.append({"wall_ms": wall_ms(), "venue": venue, "symbol": symbol, "fault": fault,
                          "update_id": update_id, "connection": connection, **extra})
        del self._log[:-LOG_KEPT]

    def log(self) -> list[dict]:
        with self._lock:
            return list(self._log)

    def report(self) -> list[dict]:
        with self._lock:
            return [f.report() for f in self._faults]

    def set_from(self, body: bytes) -> Response:
        """POST /_sim/stream_fault {"venue", "fault" (null: clear the venue), "symbol"?, "seconds"?}."""
        try:
            payload = orjson.loads(body or b"{}")
            venue = payload["venue"]
            if payload.get("fault") is None:
                self.clear(venue)
                return Response.json({"venue": venue, "fault": None})
            armed = self.arm(venue, payload["fault"], payload.get("symbol"), payload.get("seconds"))
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
            return Response.json({"error": 'send {"venue": <id>, "fault": <fault or null>, "symbol"?: <symbol>, '
                                           '"seconds"?: <stall seconds>}'}, 400)
        except ValueError as exc:
            return Response.json({"error": str(exc)}, 400)
        return Response.json(armed.report())
