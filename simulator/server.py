"""The loopback HTTP server: venue dialects plus control endpoints under /_sim/.

Control:
  GET  /_sim/health          {"ok": true, "clock": mode, "now_ms": ...}
  GET  /_sim/clock           {"mode": ..., "now_ms": ...}
  POST /_sim/clock           {"now_ms": int} or {"advance_ms": int} (virtual clock only)
  GET  /_sim/truth           ground truth (simulator.truth.TruthRecorder.report)
  POST /_sim/truth/reset     forget the recorded snapshots
  GET  /_sim/scenario        the scenario as JSON
  GET  /_sim/stats           requests served per path

Run: `python -m simulator.server --scenario F [--port P] [--clock virtual|wall]`; the first line
printed is `listening <url>`.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import orjson

from mmwatch.errors import ConfigError, MmwatchError
from simulator.dialects import DIALECTS
from simulator.market import World
from simulator.scenario import Scenario, load_scenario
from simulator.truth import TruthRecorder
from simulator.venue import Response, VenueContext

CLOCK_MODES = ("virtual", "wall")


class Clock:
    """`virtual`: time only moves when set (starts at 00:00 UTC of the scenario day); `wall`: real time."""

    def __init__(self, mode: str, start_ms: int):
        if mode not in CLOCK_MODES:
            raise ConfigError(f"clock {mode!r} is not one of {', '.join(CLOCK_MODES)}")
        self.mode = mode
        self._now_ms = int(start_ms)
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
            self._now_ms = int(now_ms)
            return self._now_ms


class SimulatorApp:
    """The request handling without HTTP: `handle(method, target, body) -> Response`."""

    def __init__(self, scenario: Scenario, clock: str = "virtual"):
        self.scenario = scenario
        self.world = World(scenario)
        self.truth = TruthRecorder(scenario.obligations)
        self.clock = Clock(clock, scenario.day_start_ms)
        self.stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()

    def handle(self, method: str, target: str, body: bytes = b"") -> Response:
        """Answer one request (`target` = path and query string)."""
        parts = urlsplit(target)
        path, query = parts.path, dict(parse_qsl(parts.query))
        with self._stats_lock:
            self.stats[path] += 1
        if path.startswith("/_sim/"):
            return self._control(method, path, body)
        for venue_id, dialect in DIALECTS.items():
            if venue_id in self.scenario.venues and path.startswith(dialect.PREFIX):
                ctx = VenueContext(self.world, venue_id, self.clock.now_ms(), self.truth)
                return dialect.handle(ctx, path[len(dialect.PREFIX):], query)
        return Response.json({"error": f"no route for {path}"}, 404)

    def _control(self, method: str, path: str, body: bytes) -> Response:
        if path == "/_sim/health":
            return Response.json({"ok": True, "clock": self.clock.mode, "now_ms": self.clock.now_ms()})
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
            with self._stats_lock:
                return Response.json(dict(self.stats))
        return Response.json({"error": f"no control endpoint {method} {path}"}, 404)

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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: ccxt reuses connections
    disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms delayed-ACK stalls
    app: SimulatorApp

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        response = self.app.handle(method, self.path, body)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self._headers_buffer.append(b"\r\n" + response.body)  # one write for headers and body
        self.flush_headers()

    def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
        self._answer("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._answer("POST")

    def log_message(self, format: str, *args: object) -> None:  # quiet: one line per request is noise
        pass


def make_server(app: SimulatorApp, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A threading HTTP server bound to (host, port) serving `app`; port 0 picks a free port."""
    handler = type("SimulatorHandler", (_Handler,), {"app": app})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def server_url(server: ThreadingHTTPServer) -> str:
    """The base URL (http://host:port) of a bound server."""
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def run(server: ThreadingHTTPServer, echo=print) -> None:
    """Announce `listening <url>` through `echo` and serve until interrupted."""
    echo(f"listening {server_url(server)}")
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
    args = parser.parse_args(argv)
    try:
        app = SimulatorApp(load_scenario(args.scenario), args.clock)
    except MmwatchError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 2
    run(make_server(app, args.host, args.port), lambda line: print(line, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
