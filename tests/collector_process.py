"""`mmwatch collect` as a subprocess against the simulator on the wall clock, with its metrics
endpoint on a free port; and waiting on the wall clock with a deadline (never a fixed sleep)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, TypeVar

from mmwatch.ports import free_port

REPO = Path(__file__).resolve().parents[1]
T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T], deadline_s: float = 40, every_s: float = 0.5) -> T:
    """`probe()` until it returns something truthy; AssertionError naming `what` past the deadline."""
    end = time.monotonic() + deadline_s
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > end:
            raise AssertionError(f"waited {deadline_s:g} s for {what}")
        time.sleep(every_s)


class CollectorProcess:
    """`mmwatch collect --config CONFIG --simulator URL --data-dir DATA` with /metrics and /health on
    `url`; `stop()` sends SIGTERM (the collector flushes, then exits), `kill()` SIGKILL."""

    def __init__(self, config: Path, simulator_url: str, data: Path, health_after_s: float = 4):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        mmwatch = Path(sys.executable).parent / "mmwatch"
        self.log = open(data.parent / f"collector-{self.port}.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(mmwatch), "collect", "--config", str(config), "--simulator", simulator_url, "--data-dir", str(data),
             "--metrics-port", str(self.port), "--health-after", str(health_after_s)],
            cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=self.log, stderr=subprocess.STDOUT)

    def get(self, path: str) -> tuple[int, str] | None:
        """(status, body) of GET path, None while the endpoint does not answer."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except OSError:
            return None

    def health(self) -> tuple[int, dict] | None:
        answer = self.get("/health")
        return None if answer is None else (answer[0], json.loads(answer[1]))

    def kill(self) -> int:
        """SIGKILL: no flush, no cleanup, whatever was being written stays as it was."""
        self.process.kill()
        self.process.wait()
        self.log.close()
        return self.process.returncode

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode
