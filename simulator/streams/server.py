"""The simulator's WebSocket server: /<venue>/<the venue's own ws path>, one pusher per connection.

Runs on the HTTP server's asyncio loop (`LoopServer(background=StreamServer.run)`), on its own
port; wall clock only. A connection's dialect is `simulator.streams.dialects.<venue>` (see the
package docstring for the interface). Every `update_ms` of the venue the connection's pusher sends,
for each subscription, the update from the last id it sent to the current one (one message even
when it fell behind by several ticks: ids stay contiguous) and the trades printed since, applying
the armed stream faults (simulator.streams.faults) on the way.
"""
from __future__ import annotations

import asyncio
import importlib
import itertools
import re
import socket
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from simulator.market import MarketModel, World
from simulator.streams.faults import StreamFaults, wall_ms
from simulator.streams.updates import BookCache, BookUpdate, update_ms
from simulator.trades import trades_between

MAX_TRADES_PER_PUSH = 100_000


def stream_dialect(venue: str):
    """The dialect module of `venue`, or None when the venue does not stream."""
    try:
        return importlib.import_module(f"simulator.streams.dialects.{venue}")
    except ModuleNotFoundError:
        return None


@dataclass
class Subscription:
    """One stream of one connection: `kind` 'book' or 'trades', the market, the dialect's `key` for it
    (unique per connection, e.g. 'btcusdt@depth@100ms'), the levels a side its messages carry
    (`depth`, None = full book) and the dialect's own fields (`state`). `last_id` (book: the last
    update id sent) and `last_trade_ms` (trades: sent up to this ts) belong to the server."""

    kind: str
    model: MarketModel
    key: str
    depth: int | None = None
    state: dict = field(default_factory=dict)
    last_id: int | None = None
    last_trade_ms: int | None = None
    held: list[str] | None = None  # reorder_updates: an update's messages held back for one tick


class Session:
    """One WebSocket connection as its dialect sees it (see the package docstring)."""

    def __init__(self, server: "StreamServer", connection: ServerConnection | None, venue: str, path: str,
                 query: dict[str, str], ident: int):
        self.server, self.connection = server, connection
        self.world: World = server.world
        self.venue, self.path, self.query, self.id = venue, path, query, ident
        self.update_ms = update_ms(self.world, venue)
        self.opened_ms = wall_ms()
        self.state: dict = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.pending: list[Subscription] = []  # subscribed, initial messages not sent yet

    def now_ms(self) -> int:
        return wall_ms()

    def update_id(self) -> int:
        """The update id in force now."""
        return self.now_ms() // self.update_ms

    def model_by_id(self, market_id: str, market_type: str | None = None) -> MarketModel | None:
        """The market with the venue's own id (and type 'spot'/'swap' when given), or None."""
        for model in self.world.venue_markets(self.venue):
            if model.market_id == market_id and market_type in (None, model.market_type):
                return model
        return None

    def markets(self) -> list[MarketModel]:
        return list(self.world.venue_markets(self.venue))

    def subscribe(self, kind: str, model: MarketModel, key: str, depth: int | None = None, **state) -> Subscription:
        """Start a stream (replacing one with the same key); its initial messages follow the replies."""
        sub = Subscription(kind, model, key, depth, dict(state))
        self.subscriptions[key] = sub
        self.pending.append(sub)
        return sub

    def unsubscribe(self, key: str) -> Subscription | None:
        """Stop a stream; the removed subscription or None."""
        return self.subscriptions.pop(key, None)


class StreamServer:
    """Binds at construction (so `url` is known before serving); `run(stop)` serves until stop is set."""

    def __init__(self, world: World, faults: StreamFaults, host: str = "127.0.0.1", port: int = 0):
        self.world, self.faults = world, faults
        self.cache = BookCache(world)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self._socket.listen(128)
        bound_host, bound_port = self._socket.getsockname()[:2]
        self.url = f"ws://{bound_host}:{bound_port}"
        self._ids = itertools.count(1)
        self.sessions: dict[int, Session] = {}
        self.messages_sent = 0

    async def run(self, stop: asyncio.Event) -> None:
        async with serve(self._handle, sock=self._socket, process_request=self._check, compression=None,
                         ping_interval=None, max_queue=64):
            await stop.wait()

    def _route(self, target: str):
        parts = urlsplit(target)
        venue, _, rest = parts.path.lstrip("/").partition("/")
        dialect = stream_dialect(venue) if venue in self.world.scenario.venues else None
        pattern = getattr(dialect, "PATH_PATTERN", None)
        if dialect is None or (pattern is not None and re.fullmatch(pattern, rest) is None):
            return None
        return venue, rest, dict(parse_qsl(parts.query)), dialect

    def _check(self, connection: ServerConnection, request):
        if self._route(request.path) is None:
            return connection.respond(404, f"no stream at {request.path}\n")
        return None

    async def _handle(self, connection: ServerConnection) -> None:
        venue, path, query, dialect = self._route(connection.request.path)
        session = Session(self, connection, venue, path, query, next(self._ids))
        self.sessions[session.id] = session
        pusher = asyncio.create_task(self._push(session, dialect))
        try:
            await self._send(session, dialect.on_open(session))
            async for message in connection:
                text = message.decode() if isinstance(message, bytes) else message
                await self._send(session, dialect.on_message(session, text))
                await self._send_initial(session, dialect)
        except ConnectionClosed:
            pass
        finally:
            pusher.cancel()
            self.sessions.pop(session.id, None)

    async def _send(self, session: Session, messages: list[str]) -> None:
        for message in messages:
            await session.connection.send(message)
        self.messages_sent += len(messages)

    async def _send_initial(self, session: Session, dialect) -> None:
        while session.pending:
            sub = session.pending.pop(0)
            if session.subscriptions.get(sub.key) is not sub:
                continue
            now_id = session.update_id()
            if sub.kind == "book":
                book = self.cache.book(sub.model, now_id)
                sub.last_id = now_id
                bids, asks = _cut(book, sub.depth) if book.status == "ok" else ([], [])
                initial = BookUpdate(now_id, now_id, now_id * session.update_ms, bids, asks, book)
                await self._send(session, dialect.book_initial(session, sub, initial))
            else:
                sub.last_trade_ms = now_id * session.update_ms

    async def _push(self, session: Session, dialect) -> None:
        tick = session.update_ms
        try:
            while True:
                now = wall_ms()
                await asyncio.sleep(((now // tick + 1) * tick - now) / 1000)
                if not await self.push_once(session, dialect):
                    return
        except ConnectionClosed:
            return

    async def push_once(self, session: Session, dialect) -> bool:
        """One tick of one connection; False once the connection was closed by a fault."""
        now = wall_ms()
        now_id = now // session.update_ms
        symbols = {sub.model.symbol for sub in session.subscriptions.values()}
        fault = self.faults.take_connection_fault(session.id, session.venue, symbols, session.opened_ms)
        if fault is not None:
            last = max((s.last_id for s in session.subscriptions.values() if s.last_id is not None), default=None)
            self.faults.note(session.venue, fault.symbol, fault.fault, last, session.id)
            if fault.fault == "disconnect":
                session.connection.transport.abort()
            else:
                await session.connection.close(1001, "going away")
            return False
        for sub in list(session.subscriptions.values()):
            symbol = sub.model.symbol
            next_id = (sub.last_id + 1) if sub.last_id is not None else now_id
            if self.faults.stalled(session.id, session.venue, symbol, next_id, now):
                continue
            if sub.kind == "book" and sub.last_id is not None and now_id > sub.last_id:
                await self._push_book(session, dialect, sub, now_id)
            elif sub.kind == "trades" and sub.last_trade_ms is not None:
                end = now_id * session.update_ms
                trades = trades_between(sub.model, sub.last_trade_ms + 1, end, MAX_TRADES_PER_PUSH)
                sub.last_trade_ms = end
                if trades:
                    await self._send(session, dialect.trade_messages(session, sub, trades))
        return True

    async def _push_book(self, session: Session, dialect, sub: Subscription, now_id: int) -> None:
        symbol = sub.model.symbol
        fault = self.faults.take_update_fault(session.id, session.venue, symbol, sub.last_id + 1, now_id)
        update = self.cache.update(sub.model, sub.last_id, now_id, sub.depth, fault == "bad_checksum")
        sub.last_id = now_id
        if fault is not None:
            self.faults.note(session.venue, symbol, fault, now_id, session.id)
        messages = dialect.book_update(session, sub, update)  # built even when dropped: a per-message
        if fault == "drop_update":                             # counter (Bybit u) must skip one, as on a lost frame
            return
        if fault == "reorder_updates":
            sub.held = messages
            return
        if fault == "duplicate_update":
            messages = messages + messages
        if sub.held is not None:
            messages, sub.held = messages + sub.held, None
        await self._send(session, messages)


def _cut(book, depth: int | None):
    return (book.bids, book.asks) if depth is None else (book.bids[:depth], book.asks[:depth])
