"""The loopback HTTP server: venue dialects plus control endpoints under /_sim/.

Control:
  GET  /_sim/health          {"ok": true, "clock": mode, "now_ms": ..., "ws_url": the WebSocket base URL
                             (wall clock; "" on the virtual clock, which streams nothing)}
  GET  /_sim/clock           {"mode": ..., "now_ms": ...}
  POST /_sim/clock           {"now_ms": int} or {"advance_ms": int} (virtual clock only)
  GET  /_sim/truth           ground truth (simulator.truth.TruthRecorder.report)
  POST /_sim/truth/reset     forget the recorded snapshots
  GET  /_sim/scenario        the scenario as JSON
  GET  /_sim/stats           {"paths": {path: n}, "rate_limits": mode, "venues": {venue: {"requests",
                             "weight", "rate_limited", "banned", "down"}}, "prepared_ahead": {"prepared",
                             "used"}} (weight: budget units charged; prepared_ahead: simulator.prefetch)
  POST /_sim/venue           {"venue": id, "down": 503|502|500|504|null}: answer every request to the
                             venue with that status (null: back up), on top of the scenario's windows
  GET  /_sim/fault           {venue: {"fault", "delay_s", "since_ms"}} of the venues with a fault
  POST /_sim/fault           {"venue": id, "fault": "slow"|"malformed_json"|"stale"|null, "delay_s": s}:
                             the venue's gateway misbehaves (simulator.faults; null: normal again)
  POST /_sim/stream_fault    {"venue", "fault", "symbol"?, "seconds"?}: a stream fault (drop_update,
                             duplicate_update, reorder_updates, bad_checksum, disconnect, server_close,
                             stall; null: clear the venue's), see simulator.streams.faults
  GET  /_sim/stream_fault    the armed stream faults
  GET  /_sim/stream_faults/log  every applied stream fault with wall_ms and update_id

Venues live below their ccxt id: /<venue>/<the venue's own path>, e.g. /okx/api/v5/market/books
(`simulator.ccxt_hosts.point_at` rewrites a ccxt instance that way); binance spot is also served
at the root (/api/v3/...) as before. Before a dialect sees a request, the venue's `down` window
(or POST /_sim/venue) answers 5xx and its rate limit (simulator.ratelimit) answers 429/418/403;
a fault set with POST /_sim/fault then shapes the dialect's answer (late, cut, or stale).
On the wall clock a WebSocket server (simulator.streams) runs on the same loop on its own port:
ws://host:wsport/<venue>/<the venue's own ws path>; REST depth then serves update ids and books
of that update-id model (VenueContext.tick_ms = the venue's update_ms).

Run: `python -m simulator.server --scenario F [--port P] [--clock virtual|wall]
[--rate-limits auto|on|off] [--ws-port P]`; the first line printed is `listening <url>`, then on the
wall clock `streaming <ws url>`.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

import orjson

from mmwatch.errors import ConfigError, MmwatchError
from simulator.dialects import DIALECTS
from simulator.faults import VenueFaults
from simulator.http_server import LoopServer
from simulator.market import World
from simulator.prefetch import Prefetcher
from simulator.price_path import DAY_MS
from simulator.ratelimit import RATE_LIMIT_MODES, RateLimiter
from simulator.scenario import Scenario, load_scenario
from simulator.streams.faults import StreamFaults
from simulator.streams.server import StreamServer
from simulator.truth import TruthRecorder
from simulator.venue import Response, VenueContext

CLOCK_MODES = ("virtual", "wall")
DOWN_STATUSES = (500, 502, 503, 504)
VENUE_COUNTERS = ("requests", "weight", "rate_limited", "banned", "down")


def down_response(status: int) -> Response:
    """What a venue behind a failing load balancer answers: an HTML error page."""
    text = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable",
            504: "Gateway Time-out"}[status]
    return Response(status, f"<html><head><title>{status} {text}</title></head><body><center><h1>{status} "
                            f"{text}</h1></center></body></html>".encode(), "text/html")


class Clock:
    """`virtual`: time only moves when set (starts at 00:00 UTC of the scenario day); `wall`: real time."""

    def __init__(self, mode: str, start_ms: int):
        if mode not in CLOCK_MODES:
            raise ConfigError(f"clock {mode!r} is not one of {', '.join(CLOCK_MODES)}")
        self.mode = mode
        self._now_ms = int(start_ms)
        self.step_ms = 0  # the last forward move of the virtual clock (the collector's cadence)
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        """The simulator's current time, epoch ms."""
        if self.mode == "wall":
            return int(time.time() * 1000)
        with self._lock:
            return self._now_ms

    def set(self, now_ms: int) -> int:
        """Set the virtual time; ValueError on a wall clock."""
        if self.mode != "virtual":
            raise ValueError("the clock follows the wall clock; start the simulator with --clock virtual")
        with self._lock:
            if int(now_ms) > self._now_ms:
                self.step_ms = int(now_ms) - self._now_ms
            self._now_ms = int(now_ms)
            return self._now_ms


class SimulatorApp:
    """The request handling without HTTP: `handle(method, target, body, client) -> Response`."""

    def __init__(self, scenario: Scenario, clock: str = "virtual", rate_limits: str = "auto"):
        if rate_limits not in RATE_LIMIT_MODES:
            raise ConfigError(f"rate limits {rate_limits!r} is not one of {', '.join(RATE_LIMIT_MODES)}")
        self.scenario = scenario
        self.world = World(scenario)
        self.truth = TruthRecorder(scenario.obligations)
        self.clock = Clock(clock, scenario.day_start_ms)
        self.rate_limits = rate_limits
        enforce = rate_limits == "on" or (rate_limits == "auto" and clock == "wall")
        self.limiter = RateLimiter(
            enforce, {v: c.rate_limit.scale for v, c in scenario.venues.items()},
            frozenset(v for v, c in scenario.venues.items() if not c.rate_limit.enabled))
        self.forced_down: dict[str, int] = {}
        self.faults = VenueFaults()
        self.stream_faults = StreamFaults(scenario.venues, lambda venue: scenario.venues[venue].update_ms)
        self.stream_url = ""  # set by make_server when it starts the WebSocket server
        self.stats: Counter[str] = Counter()
        self.venue_stats: dict[str, Counter[str]] = {v: Counter(dict.fromkeys(VENUE_COUNTERS, 0))
                                                     for v in scenario.venues}
        self._stats_lock = threading.Lock()
        # answers prepared one step ahead while idle: only on the virtual clock, only on a server
        # that calls `prepare_ahead` (the asyncio LoopServer does)
        self.prefetch = Prefetcher(self.world, self.truth, DIALECTS) if clock == "virtual" else None

    def prepare_ahead(self) -> bool:
        """Prepare one answer for the next clock step; False when there is nothing to prepare."""
        return self.prefetch is not None and self.prefetch.prepare_one()

    def venue_route(self, path: str) -> tuple[str, str] | None:
        """(venue, route below the venue root) for a request path, or None."""
        head, _, rest = path.lstrip("/").partition("/")
        if head in self.scenario.venues and head in DIALECTS:
            return head, rest
        if "binance" in self.scenario.venues and path.lstrip("/").startswith(DIALECTS["binance"].LEGACY_ROOT):
            return "binance", path.lstrip("/")
        return None

    def handle(self, method: str, target: str, body: bytes = b"", client: str = "local") -> Response:
        """Answer one request (`target` = path and query string) from client IP `client`."""
        parts = urlsplit(target)
        path, query = parts.path, dict(parse_qsl(parts.query))
        with self._stats_lock:
            self.stats[path] += 1
        if path.startswith("/_sim/"):
            return self._control(method, path, body)
        found = self.venue_route(path)
        if found is None:
            return Response.json({"error": f"no route for {path}"}, 404)
        venue, route = found
        dialect = DIALECTS[venue]
        now = self.clock.now_ms()
        down = self.forced_down.get(venue) or self.scenario.venues[venue].down_status(now % DAY_MS)
        verdict = None if down else self.limiter.check(venue, client, route, query, now)
        with self._stats_lock:
            counters = self.venue_stats[venue]
            counters["requests"] += 1
            if down:
                counters["down"] += 1
            else:
                counters["weight"] += verdict.weight
                if verdict.outcome != "ok":
                    counters["rate_limited" if verdict.outcome == "limited" else "banned"] += 1
        if down:
            return down_response(down)
        if verdict.outcome != "ok":
            return dialect.too_many(verdict, client)
        fault = self.faults.get(venue)
        if fault is not None:  # answered on arrival (never prepared ahead), as of the fault's instant
            return fault.spoil(dialect.handle(self.context(venue, fault.now_ms(now)), route, query))
        if self.prefetch is None or method != "GET":
            return dialect.handle(self.context(venue, now), route, query)
        response = self.prefetch.take(venue, target, now)
        if response is None:
            response = dialect.handle(self.context(venue, now), route, query)
        self.prefetch.note(venue, target, route, query, now, self.clock.step_ms)
        return response

    def context(self, venue: str, now_ms: int) -> VenueContext:
        """A dialect's view of `venue` at `now_ms`: on the wall clock with the venue's update ticks."""
        tick = self.scenario.venues[venue].update_ms if self.clock.mode == "wall" else 1
        return VenueContext(self.world, venue, now_ms, self.truth, tick, self.stream_url)

    def stats_report(self) -> dict:
        """Requests per path and per-venue counters (see the module docstring)."""
        with self._stats_lock:
            return {"paths": dict(self.stats), "rate_limits": self.rate_limits,
                    "rate_limits_enforced": self.limiter.enforce,
                    "venues": {v: dict(c) for v, c in self.venue_stats.items()},
                    "prepared_ahead": {"prepared": self.prefetch.prepared if self.prefetch else 0,
                                       "used": self.prefetch.used if self.prefetch else 0}}

    def _control(self, method: str, path: str, body: bytes) -> Response:
        if path == "/_sim/health":
            return Response.json({"ok": True, "clock": self.clock.mode, "now_ms": self.clock.now_ms(),
                                  "ws_url": self.stream_url})
        if path == "/_sim/clock" and method == "POST":
            return self._set_clock(body)
        if path == "/_sim/clock":
            return Response.json({"mode": self.clock.mode, "now_ms": self.clock.now_ms()})
        if path == "/_sim/truth":
            return Response.json(self.truth.report())
        if path == "/_sim/truth/reset" and method == "POST":
            self.truth.reset()
            return Response.json({"ok": True})
        if path == "/_sim/scenario":
            return Response.json(self.scenario.model_dump(mode="json"))
        if path == "/_sim/stats":
            return Response.json(self.stats_report())
        if path == "/_sim/venue" and method == "POST":
            return self._set_venue(body)
        if path == "/_sim/fault" and method == "POST":
            return self.faults.set_from(body, self.scenario.venues, self.clock.now_ms())
        if path == "/_sim/fault":
            return Response.json(self.faults.report())
        if path == "/_sim/stream_fault" and method == "POST":
            return self.stream_faults.set_from(body)
        if path == "/_sim/stream_fault":
            return Response.json(self.stream_faults.report())
        if path == "/_sim/stream_faults/log":
            return Response.json(self.stream_faults.log())
        return Response.json({"error": f"no control endpoint {method} {path}"}, 404)

    def _set_venue(self, body: bytes) -> Response:
        try:
            payload = orjson.loads(body or b"{}")
            venue, down = payload.get("venue"), payload.get("down")
        except (orjson.JSONDecodeError, AttributeError):
            return Response.json({"error": 'send {"venue": <id>, "down": <5xx status or null>}'}, 400)
        if venue not in self.scenario.venues:
            return Response.json({"error": f"venue {venue!r} is not in the scenario "
                                           f"({', '.join(self.scenario.venues)})"}, 400)
        if down is not None and down not in DOWN_STATUSES:
            return Response.json({"error": f"down {down!r} is not one of {DOWN_STATUSES} or null"}, 400)
        if down is None:
            self.forced_down.pop(venue, None)
        else:
            self.forced_down[venue] = int(down)
        return Response.json({"venue": venue, "down": down})

    def _set_clock(self, body: bytes) -> Response:
        try:
            payload = orjson.loads(body or b"{}")
            if "now_ms" in payload:
                now = self.clock.set(int(payload["now_ms"]))
            elif "advance_ms" in payload:
                now = self.clock.set(self.clock.now_ms() + int(payload["advance_ms"]))
            else:
                raise ValueError('send {"now_ms": <int>} or {"advance_ms": <int>}')
        except (orjson.JSONDecodeError, ValueError, TypeError) as exc:
            return Response.json({"error": str(exc)}, 400)
        return Response.json({"mode": self.clock.mode, "now_ms": now})


def make_server(app: SimulatorApp, host: str = "127.0.0.1", port: int = 0, ws_port: int = 0) -> LoopServer:
    """An HTTP/1.1 server bound to (host, port) serving `app` (keep-alive, one asyncio loop, answers
    prepared ahead while idle); port 0 picks a free port. On the wall clock the WebSocket server
    (simulator.streams) is bound to (host, ws_port) and runs on the same loop (`app.stream_url`)."""
    streams = None
    if app.clock.mode == "wall":
        streams = StreamServer(app.world, app.stream_faults, host, ws_port)
        app.stream_url = streams.url
    return LoopServer(app.handle, host, port, idle=app.prepare_ahead,
                      background=streams.run if streams is not None else None)


def server_url(server: LoopServer) -> str:
    """The base URL (http://host:port) of a bound server."""
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def run(server: LoopServer, echo=print, stream_url: str = "") -> None:
    """Announce `listening <url>` (and `streaming <ws url>`) through `echo` and serve until interrupted."""
    echo(f"listening {server_url(server)}")
    if stream_url:
        echo(f"streaming {stream_url}")
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m simulator.server`."""
    parser = argparse.ArgumentParser(description="mmwatch exchange simulator")
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--clock", choices=CLOCK_MODES, default="virtual")
    parser.add_argument("--rate-limits", choices=RATE_LIMIT_MODES, default="auto")
    parser.add_argument("--ws-port", type=int, default=0, help="WebSocket port (wall clock only; 0: a free one)")
    args = parser.parse_args(argv)
    try:
        app = SimulatorApp(load_scenario(args.scenario), args.clock, args.rate_limits)
    except MmwatchError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 2
    server = make_server(app, args.host, args.port, args.ws_port)
    run(server, lambda line: print(line, flush=True), app.stream_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
