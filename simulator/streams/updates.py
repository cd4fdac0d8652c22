"""The update-id model: the book of a market changes in ticks of the venue's `update_ms`.

Update id N of (venue, symbol) is the full-depth book at t = N × update_ms (`book_at_update`, THE
truth every streaming test compares with). A feed message covering ids first..last carries the
levels that differ between the book at first - 1 and the book at last (`diff_books`: new or
changed levels with their amount, removed levels with amount 0), so applying the messages in order
to the book at some id gives the book at the last id applied. `BookCache` keeps the recent books
of each market so many connections on one market build each book once.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from simulator.book import Book, Level, build_book
from simulator.market import MarketModel, World

BOOKS_KEPT_PER_MARKET = 64  # a connection more than this many ticks behind rebuilds the old book


def update_ms(world: World, venue: str) -> int:
    """The venue's tick (scenario `venues.<venue>.update_ms`, default 100 ms)."""
    return world.scenario.venues[venue].update_ms


def update_id_at(world: World, venue: str, t_ms: int) -> int:
    """The update id in force at `t_ms`: t_ms // update_ms."""
    return int(t_ms) // update_ms(world, venue)


def book_at_update(world: World, venue: str, symbol: str, update_id: int) -> Book:
    """THE truth: the full-depth book of (venue, symbol) at update id `update_id`
    (`simulator.book.build_book` at update_id × update_ms, limit None); KeyError for an unknown market."""
    model = world.market(venue, symbol)
    if model is None:
        raise KeyError(f"{venue}:{symbol} is not a market of the scenario")
    return build_book(model, int(update_id) * update_ms(world, venue), limit=None)


def _side_diff(old: list[Level], new: list[Level], descending: bool) -> list[Level]:
    before = dict(old)
    after = dict(new)
    changed = [(price, amount) for price, amount in new if before.get(price) != amount]
    changed += [(price, 0.0) for price in before if price not in after]
    changed.sort(reverse=descending)
    return changed


def diff_books(old: Book, new: Book, depth: int | None = None) -> tuple[list[Level], list[Level]]:
    """(bids, asks) that turn `old` into `new`, best first, amount 0.0 = level removed; with `depth`,
    both books are first cut to their best `depth` levels a side (a depth-limited feed). A book that
    is not 'ok' (outage, empty body) counts as empty."""
    def cut(side: list[Level], ok: bool) -> list[Level]:
        return (side if depth is None else side[:depth]) if ok else []
    old_ok, new_ok = old.status == "ok", new.status == "ok"
    return (_side_diff(cut(old.bids, old_ok), cut(new.bids, new_ok), True),
            _side_diff(cut(old.asks, old_ok), cut(new.asks, new_ok), False))


@dataclass(frozen=True)
class BookUpdate:
    """One feed message's worth of change of one market: ids first_id..last_id (prev_id = first_id - 1,
    the last id sent before), the changed levels (`bids`, `asks`: best first, amount 0.0 = removed,
    already cut to the subscription's depth), the full book at last_id (`book`, for snapshots and
    checksums; cut it to the subscription's depth yourself), the venue's event time (`event_ms` =
    last_id × update_ms) and `bad_checksum` (fault hook: a checksum venue must send a wrong one)."""

    first_id: int
    last_id: int
    event_ms: int
    bids: list[Level]
    asks: list[Level]
    book: Book
    bad_checksum: bool = False

    @property
    def prev_id(self) -> int:
        return self.first_id - 1


class BookCache:
    """Recent full books per market, built once per (market, update id)."""

    def __init__(self, world: World):
        self.world = world
        self._books: dict[tuple[str, str], OrderedDict[int, Book]] = {}
        self.built = 0

    def book(self, model: MarketModel, update_id: int) -> Book:
        """The full book of `model` at `update_id` (cached)."""
        books = self._books.setdefault((model.venue, model.symbol), OrderedDict())
        found = books.get(update_id)
        if found is None:
            found = build_book(model, update_id * update_ms(self.world, model.venue), limit=None)
            self.built += 1
            books[update_id] = found
            while len(books) > BOOKS_KEPT_PER_MARKET:
                books.popitem(last=False)
        return found

    def update(self, model: MarketModel, prev_id: int, last_id: int, depth: int | None = None,
               bad_checksum: bool = False) -> BookUpdate:
        """The update taking the book from `prev_id` to `last_id` (> prev_id), cut to `depth`."""
        new = self.book(model, last_id)
        bids, asks = diff_books(self.book(model, prev_id), new, depth)
        return BookUpdate(prev_id + 1, last_id, last_id * update_ms(self.world, model.venue), bids, asks, new,
                          bad_checksum)
