"""A real ccxt.pro exchange with no network: its REST calls (load_markets) are answered in process by
the simulator's REST dialect, and WebSocket frames are fed to its own `handle_message` with a real
ccxt Client object (never connected), so the parse path of a venue's stream is ccxt.pro's own.
Importable from every test folder (tests/ is on sys.path)."""
from __future__ import annotations

import asyncio
import inspect
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import ccxt.pro
import orjson

from simulator.ccxt_hosts import ccxt_config, point_at, rewrite_url
from simulator.dialects import DIALECTS
from simulator.market import World
from simulator.scenario import load_scenario
from simulator.truth import TruthRecorder
from simulator.venue import VenueContext


BASE = "http://simulator.invalid"
VENUES_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "venues.yaml"


@lru_cache(maxsize=1)
def venues_world() -> World:
    """The world of scenarios/venues.yaml (every venue, spot and perps)."""
    return World(load_scenario(VENUES_SCENARIO))


def one_hour_in(world: World, venue: str) -> tuple[int, int]:
    """(update_ms, the update id at 01:00 UTC of the scenario day) of `venue`."""
    from simulator.streams.updates import update_ms
    tick = update_ms(world, venue)
    return tick, (world.scenario.day_start_ms + 3_600_000) // tick


def _ws_urls(node, venue: str):
    """wss://host/path → ws://simulator.invalid/<venue>/path, through the tree of ws URLs."""
    if isinstance(node, dict):
        return {key: _ws_urls(value, venue) for key, value in node.items()}
    if isinstance(node, str) and node.startswith("wss://"):
        return rewrite_url(node, f"ws://simulator.invalid/{venue}")
    return node


async def offline_exchange(venue: str, world: World, now_ms: int):
    """ccxt.pro.<venue> with markets loaded from the simulator's REST dialect at `now_ms` (await it
    inside the test's event loop: ccxt futures belong to the loop they were made in)."""
    exchange = point_at(getattr(ccxt.pro, venue)(ccxt_config(venue)), BASE)
    exchange.urls["api"]["ws"] = _ws_urls(exchange.urls["api"]["ws"], venue)

    async def fetch(url, method="GET", headers=None, body=None):
        parts = urlsplit(url)
        route = parts.path.split("/", 2)[2]
        context = VenueContext(world, venue, now_ms, TruthRecorder([]))
        return orjson.loads(DIALECTS[venue].handle(context, route, dict(parse_qsl(parts.query))).body)

    exchange.fetch = fetch
    await exchange.load_markets()
    return exchange


class SentFrames:
    """Stands in for the socket under a ccxt Client: keeps the frames ccxt sends (`sent`, parsed)."""

    closed = False

    def __init__(self):
        self.sent: list[object] = []

    async def send_str(self, text: str) -> None:
        self.sent.append(orjson.loads(text) if text.startswith(("{", "[")) else text)

    async def close(self) -> None:
        self.closed = True


def connected_client(exchange, url: str):
    """ccxt's own Client for `url`, marked connected over a `SentFrames` stand-in (client.connection)."""
    client = exchange.client(url)
    client.connection = SentFrames()
    client.connected.resolve(True)
    return client


async def settle(condition, rounds: int = 500) -> bool:
    """Let ccxt's spawned tasks run (10 ms steps) until `condition()` holds; its final value."""
    for _ in range(rounds):
        if condition():
            return True
        await asyncio.sleep(0.01)
    return bool(condition())


def feed(exchange, client, message) -> None:
    """One frame as the socket would deliver it: JSON text round trip, then ccxt.pro's handler."""
    text = message if isinstance(message, str) else orjson.dumps(message).decode()
    exchange.handle_message(client, orjson.loads(text) if text.startswith(("{", "[")) else text)


def levels(side) -> list[tuple[float, float]]:
    """A ccxt book side as (price, amount) tuples."""
    return [(level[0], level[1]) for level in side]


def outcome(future):
    """('resolved', value), ('rejected', exception) or ('pending', None) of a ccxt Future."""
    if not future.done():
        return "pending", None
    if future.exception() is not None:
        return "rejected", future.exception()
    return "resolved", future.result()


def subscription(kind: str, model, key: str, depth: int | None = None, **state):
    """A stream subscription as the simulator's server holds it (simulator.streams.server.Subscription)."""
    from simulator.streams.server import Subscription
    return Subscription(kind, model, key, depth, dict(state))


def initial_frames(dialect, sub, cache, update_id: int) -> list[str]:
    """What `dialect` sends when `sub` starts at `update_id` (as the server calls book_initial)."""
    from simulator.streams.dialects.frames import sides
    from simulator.streams.updates import BookUpdate, update_ms
    book = cache.book(sub.model, update_id)
    tick = update_ms(cache.world, sub.model.venue)
    return dialect.book_initial(None, sub, BookUpdate(update_id, update_id, update_id * tick,
                                                      *sides(book, sub.depth), book))


def update_frames(dialect, sub, cache, prev_id: int, last_id: int, bad_checksum: bool = False) -> list[str]:
    """What `dialect` sends for the update prev_id → last_id of `sub` (as the server calls book_update)."""
    return dialect.book_update(None, sub, cache.update(sub.model, prev_id, last_id, sub.depth, bad_checksum))


async def opened(venue: str, world: World, now_ms: int, ws_url, message_hash: str):
    """(exchange, client): an offline ccxt.pro exchange and its connected client for `ws_url(exchange)`
    (a str or an awaitable), with `message_hash` recorded as subscribed, as a watch does before sending."""
    exchange = await offline_exchange(venue, world, now_ms)
    url = ws_url(exchange)
    client = connected_client(exchange, await url if inspect.isawaitable(url) else url)
    client.subscriptions[message_hash] = True
    return exchange, client


def replay_offline(dialect, sub, cache, first: int, ticks: int, message_hash: str, ws_url) -> list[tuple]:
    """`replay` on a fresh offline exchange of the subscription's venue (see `opened`); ccxt must not
    have sent anything (no resubscription, no unsubscribe)."""
    from simulator.streams.updates import update_ms
    now_ms = first * update_ms(cache.world, sub.model.venue)

    async def run():
        exchange, client = await opened(sub.model.venue, cache.world, now_ms, ws_url, message_hash)
        seen = await replay(exchange, client, dialect, sub, cache, first, ticks, message_hash)
        sent = client.connection.sent
        await exchange.close()
        assert sent == []
        return seen
    return asyncio.run(run())


def assert_rebuilt(seen: list[tuple], cache, sub, nonce_is_id: bool) -> None:
    """Every replayed book equals the simulator's book at its update id cut to the subscription's depth,
    resolved, timestamp = id × update_ms, nonce = the id (or None); and the replay moved the book."""
    from simulator.streams.updates import update_ms
    tick = update_ms(cache.world, sub.model.venue)
    for n, state, bids, asks, nonce, timestamp in seen:
        truth = cache.book(sub.model, n)
        assert (state, nonce, timestamp) == ("resolved", n if nonce_is_id else None, n * tick), n
        assert bids == truth.bids[:sub.depth] and asks == truth.asks[:sub.depth], n
    assert seen[0][2:4] != seen[-1][2:4]


async def replay(exchange, client, dialect, sub, cache, first: int, ticks: int, message_hash: str) -> list[tuple]:
    """Feed the initial frames at `first`, then one update per id up to first + ticks, each to ccxt.pro;
    per id: (id, state of the watch future, ccxt's bids, asks, nonce, timestamp)."""
    seen = []
    for n in range(first, first + ticks + 1):
        future = client.future(message_hash)
        frames = initial_frames(dialect, sub, cache, n) if n == first else update_frames(dialect, sub, cache, n - 1, n)
        for frame in frames:
            feed(exchange, client, frame)
        await asyncio.sleep(0)
        book = exchange.orderbooks[sub.model.symbol].limit()
        seen.append((n, outcome(future)[0], levels(book["bids"]), levels(book["asks"]), book["nonce"],
                     book["timestamp"]))
    return seen


class RecordingSession:
    """What a dialect's on_message uses of simulator.streams.server.Session, recording the streams it
    starts (`started`: (kind, symbol, key, depth, state)) and stops (`stopped`: keys)."""

    def __init__(self, world: World, venue: str, path: str = "", now_ms: int = 0):
        self.world, self.venue, self.path, self._now_ms = world, venue, path, now_ms
        self.started: list[tuple] = []
        self.stopped: list[str] = []

    def now_ms(self) -> int:
        return self._now_ms

    def model_by_id(self, market_id: str, market_type: str | None = None):
        return next((m for m in self.world.venue_markets(self.venue)
                     if m.market_id == market_id and market_type in (None, m.market_type)), None)

    def subscribe(self, kind, model, key, depth=None, **state):
        self.started.append((kind, model.symbol, key, depth, state))

    def unsubscribe(self, key):
        self.stopped.append(key)
