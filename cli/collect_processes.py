"""`mmwatch collect` with `processes: N`: this process collects the first (heaviest) group of venues
and starts one `mmwatch collect --venues ...` child per other group (mmwatch.collector.process_groups),
each with the same options, its own /metrics and /health port (the given port + its number) and the
same landing zone. A child that dies (a crash, the OOM killer: any exit code but 0) is started again
after a backoff (1 s, doubling to 60 s; back to 1 s once a child has run 5 minutes), for what is left
of `--duration`; what it had landed stays, what it held unflushed is lost with it. The children stop
with this process (SIGTERM, then waited for: each lands what it holds). This process's /health asks
each child's (`health`), so the one healthcheck of a container sees every process. A child whose
/health answered before and then nothing for `stuck_after_s` (alive but stuck: a blocked event loop, a
stopped process) is stopped (SIGTERM, SIGKILL 10 s later) and started again like a dead one; one that
never answered (its port taken: it collects without an endpoint) is reported by /health only."""
from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

log = logging.getLogger(__name__)
STOP_WAIT_S = 120
APP = "from cli.app import app; app()"
FIRST_BACKOFF_S, MAX_BACKOFF_S = 1.0, 60.0
STEADY_S = 300  # a child that ran this long before it died is restarted after the first backoff again
WATCH_EVERY_S = 0.5
FINISH_WAIT_S = 60  # the duration is over: how long the children get to end on their own
HEALTH_TIMEOUT_S = 3.0
STUCK_AFTER_S = 120.0  # default: a child whose /health answers nothing this long is started again
PROBE_EVERY_S = 5.0  # how often the watcher asks each child's /health whether it answers
KILL_AFTER_S = 10.0  # a stuck child that has not ended this long after its SIGTERM gets SIGKILL


class _Child:
    def __init__(self, number: int, group: list[str]):
        self.number, self.group = number, group
        self.process: subprocess.Popen | None = None
        self.started = 0.0
        self.backoff_s = FIRST_BACKOFF_S
        self.restart_at: float | None = None  # dead, to be started again at this monotonic time
        self.restarts = 0
        self.answered_at: float | None = None  # monotonic time its /health last answered (None: never yet)
        self.stuck_stop_at: float | None = None  # when the watcher sent SIGTERM to a stuck child

    @property
    def label(self) -> str:
        """Its venues, as the log and /health name the process."""
        return ", ".join(self.group)


class ChildCollectors:
    """The child processes of one `mmwatch collect` (none when every venue is collected here)."""

    def __init__(self, groups: list[list[str]], options: list[str], metrics_port: int,
                 duration: float | None = None, metrics_host: str = "127.0.0.1",
                 stuck_after_s: float = STUCK_AFTER_S):
        self.options = options
        self.stuck_after_s = stuck_after_s  # 0: a stuck child is only reported by /health
        self.metrics_port = metrics_port
        self.health_host = "127.0.0.1" if metrics_host in ("0.0.0.0", "", "::") else metrics_host
        self.duration = duration
        self.ends_at = None if duration is None else time.monotonic() + duration
        self.children = [_Child(number, group) for number, group in enumerate(groups[1:], 1)]
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="child-collectors", daemon=True)

    def port(self, number: int) -> int:
        """Metrics port of child `number` (1, 2, ...): -1 and 0 (none, a free one) stay as they are."""
        return self.metrics_port + number if self.metrics_port > 0 else self.metrics_port

    def _remaining_s(self) -> float | None:
        return None if self.ends_at is None else self.ends_at - time.monotonic()

    def _duration_over(self) -> bool:
        """--duration is (all but) over: too late to restart a child, time to let each end on its own."""
        remaining = self._remaining_s()
        return remaining is not None and remaining <= FIRST_BACKOFF_S

    def _spawn(self, child: _Child) -> None:
        # the first start: the whole duration, counted from the child's own start as this process counts
        # its own (after loading the markets); a restart: what is left of it
        remaining = self.duration if child.process is None else self._remaining_s()
        command = [sys.executable, "-c", APP, "collect", *self.options, "--venues", ",".join(child.group),
                   "--metrics-port", str(self.port(child.number))]
        if remaining is not None:
            command += ["--duration", f"{max(remaining, 0.0):.1f}"]
        child.process, child.started, child.restart_at = subprocess.Popen(command), time.monotonic(), None
        child.answered_at, child.stuck_stop_at = None, None
        log.info("collector process %d of %d: %s (pid %d, metrics port %s)", child.number + 1,
                 len(self.children) + 1, child.label, child.process.pid, self.port(child.number))

    def start(self) -> "ChildCollectors":
        for child in self.children:
            self._spawn(child)
        if self.children:
            self._watcher.start()
        return self

    def _watch(self) -> None:
        probed = time.monotonic()
        while not self._stopping.wait(WATCH_EVERY_S):
            now = time.monotonic()
            if now - probed >= PROBE_EVERY_S:
                probed = now
                self._stop_stuck_children(now)
            for child in self.children:
                if child.restart_at is not None:
                    if now >= child.restart_at:
                        child.restarts += 1
                        self._spawn(child)
                    continue
                code = child.process.poll()
                if code is None or (code == 0 and child.stuck_stop_at is None):
                    continue  # running, or ended as asked (its --duration is over)
                if self._duration_over():
                    continue
                if now - child.started >= STEADY_S:
                    child.backoff_s = FIRST_BACKOFF_S
                how = "was stopped as stuck" if child.stuck_stop_at is not None else "died"
                log.error("collector process for %s (pid %d) %s with exit code %d: starting it again in %.0f s",
                          child.label, child.process.pid, how, code, child.backoff_s)
                child.restart_at = now + child.backoff_s
                child.backoff_s = min(child.backoff_s * 2, MAX_BACKOFF_S)

    def _stop_stuck_children(self, now: float) -> None:
        """SIGTERM to a running child whose /health answered nothing for stuck_after_s, SIGKILL when it
        has not ended KILL_AFTER_S later; the watcher then starts it again as a dead one."""
        if self.stuck_after_s <= 0 or self.metrics_port <= 0 or self._duration_over():
            return
        for child in self.children:
            if child.restart_at is not None or child.process.poll() is not None:
                continue
            if child.stuck_stop_at is not None:
                if now - child.stuck_stop_at >= KILL_AFTER_S:
                    child.process.kill()
                continue
            if not isinstance(self._ask(child), OSError):
                continue
            if child.answered_at is not None and now - child.answered_at >= self.stuck_after_s:
                # (one that never answered, say its port was taken, is reported by /health, not restarted)
                log.error("collector process for %s (pid %d) has not answered /health for %.0f s: stopping it "
                          "to start it again", child.label, child.process.pid, now - child.answered_at)
                child.stuck_stop_at = now
                child.process.send_signal(signal.SIGTERM)

    def _health_url(self, child: _Child) -> str:
        return f"http://{self.health_host}:{self.port(child.number)}/health"

    def _ask(self, child: _Child) -> dict | OSError:
        """The child's /health body, or the error of a child that does not answer. A 503 is an answer too
        (it is alive and says why); any answer is noted in `answered_at`, whoever asked (the watcher or
        this process's own /health)."""
        try:
            with urllib.request.urlopen(self._health_url(child), timeout=HEALTH_TIMEOUT_S) as answer:
                body, code = answer.read(), 200
        except urllib.error.HTTPError as error:  # 503: its body says why
            body, code = error.read(), error.code
        except OSError as error:
            return error
        child.answered_at = time.monotonic()
        try:
            return json.loads(body)
        except ValueError:
            return {"ok": False, "reason": f"{self._health_url(child)} answered {code}"}

    def health(self) -> dict[str, dict]:
        """Each child's /health body by its venues; one that is dead or does not answer is unhealthy.
        Empty when the children's ports are not known (--metrics-port 0 or -1)."""
        if self.metrics_port <= 0:
            return {}
        return {child.label: self._child_health(child) for child in self.children}

    def _child_health(self, child: _Child) -> dict:
        code = child.process.poll()
        if child.restart_at is not None or code is not None:
            return {"ok": False, "reason": f"the process died (exit code {code}); "
                                           "it is started again after a backoff"}
        answer = self._ask(child)
        if isinstance(answer, OSError):
            return {"ok": False, "reason": f"{self._health_url(child)} does not answer: {answer}"}
        return answer

    def stop(self) -> list[int]:
        """Stop the children still running and wait for them; their exit codes."""
        self._stopping.set()
        if self._watcher.is_alive():
            self._watcher.join()
        if self._duration_over():
            # --duration is over here, and about now in each child (it counts from its own start): each
            # ends on its own and says what it did; a SIGTERM while it closes would cut that short
            deadline = time.monotonic() + FINISH_WAIT_S
            for child in self.children:
                try:
                    child.process.wait(timeout=max(deadline - time.monotonic(), 0.0))
                except subprocess.TimeoutExpired:
                    pass
        for child in self.children:
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        codes = []
        for child in self.children:
            try:
                codes.append(child.process.wait(timeout=STOP_WAIT_S))
            except subprocess.TimeoutExpired:
                child.process.kill()
                codes.append(child.process.wait())
            if codes[-1] not in (0, -signal.SIGTERM):
                log.error("collector process for %s ended with exit code %d", child.label, codes[-1])
            if child.restarts:
                log.warning("collector process for %s was started again %d time(s)", child.label, child.restarts)
        return codes
