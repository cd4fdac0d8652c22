"""For offline ccxt.pro tests (tests/ws_offline.py) of venues whose stream is aligned by a REST snapshot
(gate, kucoin, kucoinfutures): REST calls answered by the simulator's dialect on the venue's update
interval at a clock the test moves, as the wall-clock server answers them (`VenueContext.tick_ms`,
`stream_url`), and a few turns of the event loop for the snapshot fetch ccxt.pro spawns.
Importable from every test folder (tests/ is on sys.path)."""
from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl, urlsplit

import orjson

from simulator.dialects import DIALECTS
from simulator.market import World
from simulator.streams.updates import update_ms
from simulator.truth import TruthRecorder
from simulator.venue import VenueContext

STREAM_URL = "ws://simulator.invalid"


def ticked_rest(exchange, venue: str, world: World, clock: dict) -> list[str]:
    """Answer `exchange`'s REST calls at `clock["now"]` (ms) on the venue's ticks; returns the list of
    routes asked, in order (the test can check which snapshot ccxt.pro fetched)."""
    asked: list[str] = []

    async def fetch(url, method="GET", headers=None, body=None):
        parts = urlsplit(url)
        route = parts.path.split("/", 2)[2]
        asked.append(route + (f"?{parts.query}" if parts.query else ""))
        context = VenueContext(world, venue, clock["now"], TruthRecorder([]), tick_ms=update_ms(world, venue),
                               stream_url=STREAM_URL)
        return orjson.loads(DIALECTS[venue].handle(context, route, dict(parse_qsl(parts.query))).body)

    exchange.fetch = fetch
    exchange.enableRateLimit = False  # no throttle sleeps: settle() is enough for a snapshot fetch
    return asked


async def settle(turns: int = 30) -> None:
    """Let spawned ccxt.pro tasks (the REST snapshot fetch and replay) run to completion."""
    for _ in range(turns):
        await asyncio.sleep(0)


async def shut(exchange) -> None:
    """Close `exchange` whose clients sit on stand-in sockets (tests/ws_offline.SentFrames)."""
    for client in exchange.clients.values():
        if client.connection is not None:
            client.connection.closed = True
    await exchange.close()
