"""A whole simulated day, fast: the real collector against a simulator on a virtual clock, reached
by its URL only (the caller starts it: cli/simulated_day.py).

For t from 00:00:00 to 24:00:00 (exclusive) of the day, stepping by the
cadence: set the simulator's clock to t, then `Collector.run_cycle(t)`. The
collector writes the landing zone exactly as it would live.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import urlsplit

from mmwatch.collector.collector import Collector
from mmwatch.collector.sinks import LandingSink
from mmwatch.config import CollectionConfig, ExchangeConfig
from mmwatch.errors import MmwatchError
from mmwatch.settings import DataDir

DAY_MS = 86_400_000
DEFAULT_TRADES_EVERY_S = 60


@dataclass
class SimulatedDay:
    """What a simulated day did: the day, cycles, speed, landing rows and requests."""

    day: str
    cycles: int
    fetches: int
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    requests: dict[str, int] = field(default_factory=dict)

    @property
    def cycles_per_s(self) -> float:
        return self.cycles / self.seconds if self.seconds else 0.0


def scenario_config(scenario, cadence_s: float, trades_every_s: float = DEFAULT_TRADES_EVERY_S) -> CollectionConfig:
    """A collection config for every market of a scenario: books every `cadence_s`, trades every `trades_every_s`."""
    exchanges = {venue_id: ExchangeConfig(markets=[m.symbol for m in venue.markets], orderbook_every_s=cadence_s,
                                          trades_every_s=max(trades_every_s, cadence_s))
                 for venue_id, venue in scenario.venues.items()}
    return CollectionConfig(exchanges=exchanges)


def day_start_ms(day: Date) -> int:
    """Milliseconds at 00:00:00 UTC of `day`."""
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp() * 1000)


class ClockClient:
    """Sets the simulator's virtual clock over one kept-alive connection, with a hand-written
    request: 8,640 clock moves a day cost a round trip each and next to no CPU (aiohttp's
    request machinery costs more than the whole exchange of ~200 bytes)."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def set(self, now_ms: int) -> None:
        """POST /_sim/clock {"now_ms": now_ms}; MmwatchError when the simulator refuses."""
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        body = b'{"now_ms": %d}' % now_ms
        self._writer.write(b"POST /_sim/clock HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                           b"Content-Length: %d\r\n\r\n%s" % (self.host.encode(), len(body), body))
        head = await self._reader.readuntil(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        answer = await self._reader.readexactly(length)
        if not head.startswith(b"HTTP/1.1 200"):
            status = head.split(b"\r\n", 1)[0].decode()
            raise MmwatchError(f"the simulator refused to set its clock to {now_ms}: {status} "
                               f"{answer.decode(errors='replace')} (start it with --clock virtual)")

    async def close(self) -> None:
        """Close the connection."""
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()


async def _drive(simulator_url: str, collector: Collector, start_ms: int, end_ms: int, step_ms: int,
                 progress: Callable[[int, int, float], None] | None) -> tuple[int, int]:
    """One cycle per step: move the clock, then every fetch due at that instant, concurrently
    (Collector.run_cycle). A cycle ends before the clock moves again; meanwhile the simulator
    prepares the answers of the next step (simulator.prefetch), so its work overlaps ours."""
    cycles = fetches = 0
    total = (end_ms - start_ms + step_ms - 1) // step_ms
    started = time.perf_counter()
    await collector.start()
    clock = ClockClient(simulator_url)
    try:
        for t_ms in range(start_ms, end_ms, step_ms):
            await clock.set(t_ms)
            fetches += await collector.run_cycle(t_ms)
            cycles += 1
            if progress and (cycles % max(1, total // 24) == 0 or cycles == total):
                progress(cycles, total, time.perf_counter() - started)
    finally:
        await clock.close()
        await collector.close()
    return cycles, fetches


def collect_virtual_day(simulator_url: str, config: CollectionConfig, data_dir: DataDir, day: Date,
                        cadence_s: float = 10, hours: float = 24,
                        progress: Callable[[int, int, float], None] | None = None) -> SimulatedDay:
    """Collect `day` (or its first `hours`) from the simulator at `simulator_url`, which must run on a
    virtual clock, into the landing zone of `data_dir`: books every `cadence_s` (and what `config` asks)."""
    start_ms = day_start_ms(day)
    sink = LandingSink(data_dir)
    started = time.perf_counter()
    collector = Collector(config, sink, clock=lambda: start_ms, simulator_url=simulator_url, virtual_time=True,
                          trades_since_ms=start_ms)
    cycles, fetches = asyncio.run(_drive(simulator_url, collector, start_ms, start_ms + int(hours * 3_600_000),
                                         int(cadence_s * 1000), progress))
    return SimulatedDay(day.isoformat(), cycles, fetches, time.perf_counter() - started, dict(sink.rows),
                        len(sink.files), dict(collector.requests))
