"""The update-id model: the book of a market changes in ticks of the venue's `update_ms`.

Update id N of (venue, symbol) is the full-depth book `book_at_update(world, venue, symbol, N)`, THE
truth every streaming test compares with (REST depth on the wall clock serves it too:
`simulator.venue.VenueContext`, so REST snapshots and streams agree). It is sticky, like a real book
between two of its updates:
  - a base book redrawn every `redraw_ms` (scenario `venues.<v>.redraw_ms`, a multiple of update_ms;
    default the smallest multiple of update_ms >= 1000): `simulator.book.build_book` at the redraw
    instant floor(N × update_ms / redraw_ms) × redraw_ms, full depth;
  - per tick, on top of it and not cumulative, PERTURBED amounts a side redrawn among the best
    PERTURB_TOP levels (positions and sizes seeded by (seed, venue, symbol, N)): each grows by one
    amount step plus up to 10 % (up only, like the makers' own jitter: a perturbed book is never
    thinner than its base, so it cannot show a depth breach the base does not have).
  So a tick's diff holds at most 2 × PERTURBED levels a side (the levels of tick N-1 reverting, those
  of tick N changing), except at a redraw, where the fair price has moved and nearly every level goes.
  Prices (spread, levels) change only at redraws: maker behaviour windows and price events (HH:MM)
  start and end on a redraw instant whenever redraw_ms divides 60 000 (the default 1000 does), so they
  keep their exact timing; otherwise they apply up to redraw_ms late. redraw_ms = update_ms gives the
  plain model: every tick is build_book at N × update_ms. The virtual clock (REST at any ms) never uses
  this model: it serves build_book at the request's instant.

A feed message covering ids first..last carries every level that changed in any tick of first..last,
at its amount in the book at last (0.0 when gone; `BookCache.update`), as real venues do: applied to
the book at any id from first - 1 to last it gives the book at last (a client that applies the first
update spanning its REST snapshot to that snapshot stays right). `BookCache` keeps the recent ticks of
each market so many connections on one market build each book once.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from simulator.book import Book, Level, build_book
from simulator.book_plan import book_plan
from simulator.market import MarketModel, World
from simulator.randomness import seeded_bytes

BOOKS_KEPT_PER_MARKET = 64  # a connection more than this many ticks behind rebuilds the old books
DEFAULT_REDRAW_MS = 1000
PERTURBED = 3  # amounts redrawn a side per tick
PERTURB_TOP = 20  # ... among the best this many levels a side
_POSITION_BYTES = 8  # random bytes a side to pick PERTURBED distinct positions from


def update_ms(world: World, venue: str) -> int:
    """The venue's tick (scenario `venues.<venue>.update_ms`, default 100 ms)."""
    return world.scenario.venues[venue].update_ms


def redraw_ms(world: World, venue: str) -> int:
    """How often the venue's streamed book is redrawn (scenario `venues.<venue>.redraw_ms`; default the
    smallest multiple of update_ms >= DEFAULT_REDRAW_MS)."""
    config = world.scenario.venues[venue]
    return config.redraw_ms or -(-DEFAULT_REDRAW_MS // config.update_ms) * config.update_ms


def update_id_at(world: World, venue: str, t_ms: int) -> int:
    """The update id in force at `t_ms`: t_ms // update_ms."""
    return int(t_ms) // update_ms(world, venue)


def book_at_update(world: World, venue: str, symbol: str, update_id: int) -> Book:
    """THE truth: the full-depth book of (venue, symbol) at update id `update_id` (see the module
    docstring; t_ms = update_id × update_ms); KeyError for an unknown market."""
    model = world.market(venue, symbol)
    if model is None:
        raise KeyError(f"{venue}:{symbol} is not a market of the scenario")
    return ticked_book(model, update_id)


def ticked_book(model: MarketModel, update_id: int) -> Book:
    """`book_at_update` of one market model."""
    return _tick(model, int(update_id)).book


@dataclass(frozen=True)
class _Tick:
    """One update id's book: the redraw it belongs to (`anchor`, an update id; `base`, its book) and
    the perturbed levels {position: level} a side."""

    anchor: int
    base: Book
    bid_changes: dict[int, Level]
    ask_changes: dict[int, Level]
    book: Book


@lru_cache(maxsize=512)
def _base(model: MarketModel, t_ms: int) -> Book:
    return build_book(model, t_ms, limit=None)


def _tick(model: MarketModel, update_id: int) -> _Tick:
    tick = update_ms(model.world, model.venue)
    period = redraw_ms(model.world, model.venue) // tick
    anchor = update_id - update_id % period
    base = _base(model, anchor * tick)
    bids, asks = {}, {}
    if period > 1 and base.status == "ok":
        data = seeded_bytes(2 * (_POSITION_BYTES + PERTURBED), model.world.scenario.seed, model.venue,
                            model.symbol, "tick", update_id)
        bids = _perturb(model, base.bids, data[:_POSITION_BYTES + PERTURBED])
        asks = _perturb(model, base.asks, data[_POSITION_BYTES + PERTURBED:])
    book = Book(update_id * tick, base.status, base.condition, _apply(base.bids, bids), _apply(base.asks, asks))
    return _Tick(anchor, base, bids, asks, book)


def _perturb(model: MarketModel, side: list[Level], data: bytes) -> dict[int, Level]:
    """PERTURBED distinct positions among the best PERTURB_TOP of `side`, each amount one step + up to
    10 % larger (bytes: positions first, then one size byte per position)."""
    top = min(PERTURB_TOP, len(side))
    positions: list[int] = []
    for byte in data[:_POSITION_BYTES]:
        if top and byte % top not in positions:
            positions.append(byte % top)
            if len(positions) == PERTURBED:
                break
    plan = book_plan(model)
    numerator, scale = plan.amount_numerator, plan.amount_scale
    changes = {}
    for position, byte in zip(positions, data[_POSITION_BYTES:]):
        price, amount = side[position]
        steps = round(amount * scale / numerator)
        steps += 1 + steps * byte // 2560
        changes[position] = (price, steps * numerator / scale)  # the float BookPlan.levels prints
    return changes


def _apply(side: list[Level], changes: dict[int, Level]) -> list[Level]:
    levels = list(side)
    for position, level in changes.items():
        levels[position] = level
    return levels


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


def _changes(base: list[Level], old: dict[int, Level], new: dict[int, Level], depth: int | None) -> list[Level]:
    """The levels that differ between two perturbations of one base side (best first)."""
    changed = []
    for position in sorted(old.keys() | new.keys()):
        if depth is None or position < depth:
            level = new.get(position, base[position])
            if level != old.get(position, base[position]):
                changed.append(level)
    return changed


def _tick_diff(old: _Tick, new: _Tick, depth: int | None) -> tuple[list[Level], list[Level]]:
    """`diff_books(old.book, new.book, depth)` for consecutive ticks, from the perturbations alone when
    both belong to one redraw."""
    if old.anchor != new.anchor:
        return diff_books(old.book, new.book, depth)
    return (_changes(new.base.bids, old.bid_changes, new.bid_changes, depth),
            _changes(new.base.asks, old.ask_changes, new.ask_changes, depth))


@lru_cache(maxsize=4096)
def tick_diff(model: MarketModel, update_id: int) -> tuple[tuple[Level, ...], tuple[Level, ...]]:
    """What tick `update_id` alone changes in the full book of `model`: (bids, asks) best first, 0.0 =
    removed, i.e. diff_books(ticked_book(model, update_id - 1), ticked_book(model, update_id)) (from the
    perturbations alone inside one redraw). Cached per (model, update id); for per-tick feeds."""
    bids, asks = _tick_diff(_tick(model, update_id - 1), _tick(model, update_id), None)
    return tuple(bids), tuple(asks)


def _final(prices: set[float], side: list[Level], depth: int | None, descending: bool) -> list[Level]:
    amounts = dict(side if depth is None else side[:depth])
    return [(price, amounts.get(price, 0.0)) for price in sorted(prices, reverse=descending)]


@dataclass(frozen=True)
class BookUpdate:
    """One feed message's worth of change of one market: ids first_id..last_id (prev_id = first_id - 1,
    the last id sent before), the changed levels (`bids`, `asks`: every level changed in any tick of
    first_id..last_id at its amount at last_id, best first, amount 0.0 = removed, already cut to the
    subscription's depth), the full book at last_id (`book`, for snapshots and checksums; cut it to
    the subscription's depth yourself), the venue's event time (`event_ms` = last_id × update_ms) and
    `bad_checksum` (fault hook: a checksum venue must send a wrong one)."""

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
    """Recent ticks per market, each built once per (market, update id)."""

    def __init__(self, world: World):
        self.world = world
        self._ticks: dict[tuple[str, str], OrderedDict[int, _Tick]] = {}
        self.built = 0

    def _tick(self, model: MarketModel, update_id: int) -> _Tick:
        ticks = self._ticks.setdefault((model.venue, model.symbol), OrderedDict())
        found = ticks.get(update_id)
        if found is None:
            found = ticks[update_id] = _tick(model, update_id)
            self.built += 1
            while len(ticks) > BOOKS_KEPT_PER_MARKET:
                ticks.popitem(last=False)
        return found

    def book(self, model: MarketModel, update_id: int) -> Book:
        """The full book of `model` at `update_id` (cached; `book_at_update`)."""
        return self._tick(model, update_id).book

    def update(self, model: MarketModel, prev_id: int, last_id: int, depth: int | None = None,
               bad_checksum: bool = False) -> BookUpdate:
        """The update taking the book from `prev_id` to `last_id` (> prev_id), cut to `depth`: every
        level changed in any tick of prev_id + 1..last_id, at its amount at last_id (0.0 when gone)."""
        new = self._tick(model, last_id)
        if last_id == prev_id + 1:
            bids, asks = _tick_diff(self._tick(model, prev_id), new, depth)
        else:
            bid_prices: set[float] = set()
            ask_prices: set[float] = set()
            before = self._tick(model, prev_id)
            for update_id in range(prev_id + 1, last_id + 1):
                after = self._tick(model, update_id)
                tick_bids, tick_asks = _tick_diff(before, after, depth)
                bid_prices.update(price for price, _ in tick_bids)
                ask_prices.update(price for price, _ in tick_asks)
                before = after
            ok = new.book.status == "ok"
            bids = _final(bid_prices, new.book.bids if ok else [], depth, True)
            asks = _final(ask_prices, new.book.asks if ok else [], depth, False)
        return BookUpdate(prev_id + 1, last_id, last_id * update_ms(self.world, model.venue), bids, asks,
                          new.book, bad_checksum)
