"""Running the simulator for tests, the demo and benchmarks.

`SimulatorProcess` starts the server in a subprocess (its own core); `SimulatorThread` runs it
in a thread of this process (quick unit tests; `.app` gives direct access). Both are context
managers with `.url`, `.set_clock(now_ms)`, `.truth()` and `.stop()`.
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from mmwatch.errors import MmwatchError
from simulator.scenario import Scenario, load_scenario
from simulator.server import SimulatorApp, make_server, server_url

STARTUP_TIMEOUT_S = 30.0


class _Client:
    url: str

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def set_clock(self, now_ms: int) -> int:
        """Set the virtual clock; returns the simulator's new time."""
        return self._call("POST", "/_sim/clock", {"now_ms": int(now_ms)})["now_ms"]

    def now_ms(self) -> int:
        """The simulator's current time."""
        return self._call("GET", "/_sim/clock")["now_ms"]

    def truth(self) -> dict:
        """The ground truth report (see simulator.truth.TruthRecorder.report)."""
        return self._call("GET", "/_sim/truth")

    def reset_truth(self) -> None:
        """Forget the recorded snapshots."""
        self._call("POST", "/_sim/truth/reset", {})

    def stats(self) -> dict:
        """Requests per path and per-venue counters (requests, weight, rate_limited, banned, down)."""
        return self._call("GET", "/_sim/stats")

    def set_down(self, venue: str, status: int | None = 503) -> None:
        """Make every request to `venue` answer `status` (None: back up)."""
        self._call("POST", "/_sim/venue", {"venue": venue, "down": status})

    def set_fault(self, venue: str, fault: str | None, delay_s: float | None = None) -> None:
        """Make `venue`'s gateway misbehave: 'slow' (answers `delay_s` late), 'malformed_json' or
        'stale' (answers as of now); None: normal again (simulator.faults)."""
        payload = {"venue": venue, "fault": fault, **({"delay_s": delay_s} if delay_s is not None else {})}
        self._call("POST", "/_sim/fault", payload)

    def ws_url(self) -> str:
        """The WebSocket base URL (wall clock; '' on the virtual clock)."""
        return self._call("GET", "/_sim/health")["ws_url"]

    def set_stream_fault(self, venue: str, fault: str | None, symbol: str | None = None,
                         seconds: float | None = None) -> dict:
        """Arm a stream fault (simulator.streams.faults; None clears the venue's); returns it."""
        payload = {"venue": venue, "fault": fault, **({"symbol": symbol} if symbol else {}),
                   **({"seconds": seconds} if seconds is not None else {})}
        return self._call("POST", "/_sim/stream_fault", payload)

    def stream_fault_log(self) -> list[dict]:
        """Every applied stream fault: wall_ms, venue, symbol, fault, update_id, connection."""
        return self._call("GET", "/_sim/stream_faults/log")

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class SimulatorProcess(_Client):
    """The simulator server in a subprocess: `python -m simulator.server`."""

    def __init__(self, scenario_path: str | Path, clock: str = "virtual", port: int = 0, host: str = "127.0.0.1",
                 rate_limits: str = "auto"):
        load_scenario(scenario_path)  # fail here, with the scenario's message, not in the child
        command = [sys.executable, "-m", "simulator.server", "--scenario", str(scenario_path),
                   "--clock", clock, "--port", str(port), "--host", host, "--rate-limits", rate_limits]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.url = self._read_url()
        self._wait_healthy()

    def _read_url(self) -> str:
        line = self._process.stdout.readline().strip()
        if not line.startswith("listening "):
            self._process.kill()
            _, err = self._process.communicate(timeout=10)
            raise MmwatchError(f"the simulator did not start: {line} {err.strip()}")
        return line.split(" ", 1)[1]

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            try:
                self._call("GET", "/_sim/health")
                return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise MmwatchError(f"the simulator at {self.url} did not answer within {STARTUP_TIMEOUT_S} s")
                time.sleep(0.05)

    @property
    def pid(self) -> int:
        return self._process.pid

    def stop(self) -> None:
        """Terminate the subprocess (kill after 5 s)."""
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        for stream in (self._process.stdout, self._process.stderr):
            if stream:
                stream.close()


class SimulatorThread(_Client):
    """The simulator server in a background thread of this process."""

    def __init__(self, scenario: str | Path | Scenario, clock: str = "virtual", port: int = 0,
                 rate_limits: str = "auto"):
        loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.app = SimulatorApp(loaded, clock, rate_limits)
        self._server = make_server(self.app, "127.0.0.1", port)
        self.url = server_url(self._server)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="simulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Shut the server down and join its thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
