"""What a dialect handler gets: the world at the request's instant, and how to answer.

Dialect modules (simulator/dialects/<venue>.py) hold only routes and response shapes; building
books and trades, the clock and the ground-truth recording live here and in the server.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import orjson

from simulator.book import Book, build_book
from simulator.market import MarketModel, World
from simulator.streams.updates import ticked_book
from simulator.truth import TruthRecorder


@dataclass(frozen=True)
class Response:
    """An HTTP answer: status, body bytes, content type, extra headers, and how long the server holds
    it back (`delay_s`, a slow gateway: simulator.faults)."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    delay_s: float = 0.0

    @classmethod
    def json(cls, payload: object, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> "Response":
        """A JSON response serialized with orjson."""
        return cls(status, orjson.dumps(payload), headers=headers)


@dataclass(frozen=True)
class VenueContext:
    """One request's view of one venue at the simulator's clock `now_ms`.

    `tick_ms`: the book's update interval (the venue's `update_ms` on the wall clock, where streams
    run; 1 on the virtual clock, where a book may be asked for at any ms): `update_id()` is the
    venue's book sequence number (Binance lastUpdateId ...) and `at_update()` the context whose
    `now_ms` is that update's instant. With tick_ms > 1 every book served is the one in force at
    `update_id()` (`simulator.streams.book_at_update`, sticky between redraws), so REST depth and the
    streams agree; with tick_ms 1 it is `simulator.book.build_book` at `now_ms`.
    `stream_url`: the simulator's WebSocket base URL ('' when it streams nothing), for venues whose
    REST API names the stream endpoint (KuCoin's bullet-public)."""

    world: World
    venue: str
    now_ms: int
    truth: TruthRecorder
    tick_ms: int = 1
    stream_url: str = ""

    def update_id(self) -> int:
        """The update id of the book at `now_ms` (now_ms // tick_ms)."""
        return self.now_ms // self.tick_ms

    def at_update(self) -> "VenueContext":
        """This context at the instant of `update_id()` (itself when already there)."""
        at = self.update_id() * self.tick_ms
        return self if at == self.now_ms else replace(self, now_ms=at)

    def model_by_id(self, market_id: str, market_type: str = "spot") -> MarketModel | None:
        """The market with the venue's own id (e.g. 'BTCUSDT') and type ('spot'/'swap'), or None."""
        return self.world.by_market_id.get((self.venue, market_type, market_id))

    def markets(self, market_type: str | None = None) -> list[MarketModel]:
        """Every market of this venue (of one market type when given)."""
        return [m for m in self.world.venue_markets(self.venue) if market_type in (None, m.market_type)]

    def serve_book(self, model: MarketModel, limit: int | None) -> Book:
        """The book at `now_ms`; when it is served (status 'ok') it is recorded for the ground truth
        in base units, per level: linear contracts × contract_size, inverse contracts ×
        contract_size / price (`MarketModel.base_levels`)."""
        book = self._book(model, limit)
        if book.status == "ok":
            self.truth.record(self.venue, model.symbol, self.now_ms, model.base_levels(book.bids),
                              model.base_levels(book.asks))
        return book

    def peek_book(self, model: MarketModel, limit: int | None) -> Book:
        """The book at `now_ms` without recording it (for tickers)."""
        return self._book(model, limit)

    def _book(self, model: MarketModel, limit: int | None) -> Book:
        if self.tick_ms == 1:
            return build_book(model, self.now_ms, limit)
        book = ticked_book(model, self.update_id())
        return Book(self.now_ms, book.status, book.condition, book.bids[:limit], book.asks[:limit])
