"""`mmwatch collect` with `processes: N`: this process collects the first (heaviest) group of venues
and starts one `mmwatch collect --venues ...` child per other group (mmwatch.collector.process_groups),
each with the same options, its own /metrics and /health port (the given port + its number) and the
same landing zone. The children stop with this process (SIGTERM, then waited for: each lands what it
holds); a child that ends on its own is said with its exit code."""
from __future__ import annotations

import logging
import signal
import subprocess
import sys

log = logging.getLogger(__name__)
STOP_WAIT_S = 120
APP = "from cli.app import app; app()"


class ChildCollectors:
    """The child processes of one `mmwatch collect` (none when every venue is collected here)."""

    def __init__(self, groups: list[list[str]], options: list[str], metrics_port: int):
        self.groups = groups[1:]
        self.options = options
        self.metrics_port = metrics_port
        self.children: list[tuple[list[str], subprocess.Popen]] = []

    def port(self, number: int) -> int:
        """Metrics port of child `number` (1, 2, ...): -1 and 0 (none, a free one) stay as they are."""
        return self.metrics_port + number if self.metrics_port > 0 else self.metrics_port

    def start(self) -> "ChildCollectors":
        for number, group in enumerate(self.groups, 1):
            command = [sys.executable, "-c", APP, "collect", *self.options, "--venues", ",".join(group),
                       "--metrics-port", str(self.port(number))]
            self.children.append((group, subprocess.Popen(command)))
            log.info("collector process %d of %d: %s (pid %d, metrics port %s)", number + 1, len(self.groups) + 1,
                     ", ".join(group), self.children[-1][1].pid, self.port(number))
        return self

    def stop(self) -> list[int]:
        """Stop the children still running and wait for them; their exit codes."""
        for _, child in self.children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        codes = []
        for group, child in self.children:
            try:
                codes.append(child.wait(timeout=STOP_WAIT_S))
            except subprocess.TimeoutExpired:
                child.kill()
                codes.append(child.wait())
            if codes[-1] not in (0, -signal.SIGTERM):
                log.error("collector process for %s ended with exit code %d", ", ".join(group), codes[-1])
        return codes
