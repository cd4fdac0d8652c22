"""The garbage collector of a long-running collector process: out of the samples' way.

A full collection walks every container object alive: at 200 streamed markets the books' level
lists, the buffers and the loaded markets, 70–230 ms during which the event loop stands still. Left
to itself CPython starts one every second or two at a random moment, so a sampler due then runs that
much late and its books are that much older (the sampling lag's p95/p99: docs/benchmarks.md
'Issue 17 — streaming'). Here, in the collector's own process only (`mmwatch collect` / `record`):

- `install`: collect once, then freeze what is alive after start-up (`gc.freeze`: modules and ccxt's
  loaded markets, ~260–390 k objects, live as long as the process), and stop automatic full
  collections (the two young generations still collect on their own: a few ms each);
- `run`: a full collection every `every_s` seconds, just after the samplers' grid instant, when
  every sampler of that instant has copied its books and the next one is a whole period away.
  Without a streamed venue there is no grid: automatic full collections stay on.

Refcounting frees everything that is not in a cycle at once, so only cyclic garbage waits for the
next full collection (at most `every_s` seconds).
"""
from __future__ import annotations

import asyncio
import gc
import time

from mmwatch.collector.collector import wall_clock_ms
from mmwatch.collector.stream_sample import next_sample_ms

FULL_EVERY_S = 10
AFTER_GRID_MS = 5  # behind the samplers' timers of the same instant (the loop runs the earlier deadline first)
NO_AUTOMATIC_FULL = 1 << 30  # gen-2 threshold: never reached


class GcShadow:
    """Full collections in the shadow of the samplers (`grid_ms`: their period; None: no streamed venue)."""

    def __init__(self, grid_ms: int | None, every_s: float = FULL_EVERY_S):
        self.grid_ms = grid_ms
        self.every_ms = int(every_s * 1000)
        self.frozen = 0
        self.collections = 0
        self.longest_ms = 0.0
        self._saved: tuple[int, int, int] | None = None

    def install(self) -> GcShadow:
        gc.collect()
        gc.freeze()
        self.frozen = gc.get_freeze_count()
        if self.grid_ms is not None:
            self._saved = gc.get_threshold()
            young, middle, _ = self._saved
            gc.set_threshold(young, middle, NO_AUTOMATIC_FULL)
        return self

    def uninstall(self) -> None:
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

    def next_collection_ms(self, now_ms: int, last_ms: int) -> int:
        """The first grid instant at least `every_s` after `last_ms` and after `now_ms`, plus AFTER_GRID_MS."""
        return next_sample_ms(max(now_ms, last_ms + self.every_ms) - 1, self.grid_ms) + AFTER_GRID_MS

    async def run(self) -> None:
        if self.grid_ms is None:
            return
        last = wall_clock_ms()
        while True:
            now = wall_clock_ms()
            at = self.next_collection_ms(now, last)
            await asyncio.sleep((at - now) / 1000)
            started = time.perf_counter()
            gc.collect()
            self.longest_ms = max(self.longest_ms, (time.perf_counter() - started) * 1000)
            self.collections += 1
            last = wall_clock_ms()
