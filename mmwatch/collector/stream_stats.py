"""What one streaming venue did: the mode in use, WebSocket messages (and their rate), resyncs,
sampled books, streamed trades, fallbacks to REST, planned connection roll-overs. Read by `mmwatch collect`'s progress lines and
the /metrics endpoint (mmwatch.collector.stream_metrics)."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

STREAM, POLL, FALLBACK = "stream", "poll", "fallback"
MODES = (STREAM, POLL, FALLBACK)


class RateMeter:
    """Events per second over the last `window_s` whole seconds (the current second not counted)."""

    def __init__(self, window_s: int = 10):
        self.window_s = window_s
        self._seconds: deque[list[int]] = deque()  # [second, count], oldest first

    def add(self, now_ms: int, count: int = 1) -> None:
        """`count` events at `now_ms`."""
        second = now_ms // 1000
        if self._seconds and self._seconds[-1][0] == second:
            self._seconds[-1][1] += count
        else:
            self._seconds.append([second, count])
        while self._seconds and self._seconds[0][0] < second - self.window_s:
            self._seconds.popleft()

    def rate(self, now_ms: int) -> float:
        """Events per second over the `window_s` seconds before the current one."""
        second = now_ms // 1000
        total = sum(count for at, count in self._seconds if second - self.window_s <= at < second)
        return total / self.window_s


@dataclass
class StreamCounters:
    """Counters of one streaming venue (monotonic, except `mode` and `unsynced_markets`)."""

    mode: str = STREAM
    messages: int = 0
    resyncs: int = 0
    samples: int = 0
    trades: int = 0
    unsynced_intervals_ms: int = 0
    fallbacks: int = 0
    rollovers: int = 0  # planned roll-overs done: every market moved to the new connection, the old one closed
    rollover_markets_kept: int = 0  # markets a roll-over attempt left on the old connection (not in sync on the new)
    unsynced_markets: int = 0
    meter: RateMeter = field(default_factory=RateMeter)

    def message(self, now_ms: int) -> None:
        """One WebSocket message received."""
        self.messages += 1
        self.meter.add(now_ms)
