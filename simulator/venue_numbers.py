"""Numbers as the venues print them (strings with a fixed number of places), for the REST dialects
(simulator.dialects) and the WebSocket ones (simulator.streams.dialects) alike."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from itertools import repeat

AMOUNT_STRINGS_KEPT = 100_000  # per decimals; the cache starts over beyond that


def num(value: float, decimals: int) -> str:
    """A number as the venue prints it: a string with exactly `decimals` places."""
    return f"{value:.{decimals}f}"


@lru_cache(maxsize=64)
def printer(decimals: int) -> Callable[[float], str]:
    """`num(·, decimals)` as one bound C method (no per-call format-spec parsing), for map()."""
    return f"{{:.{decimals}f}}".format


@lru_cache(maxsize=64)
def _amount_strings(decimals: int) -> dict[float, str]:
    return {}


def amount_strings(amounts: Iterable[float], decimals: int) -> list[str]:
    """`num(a, decimals)` of every amount, remembered: book amounts repeat a lot (the background
    sizes take 256 values), prices hardly ever (they move with the market)."""
    known = _amount_strings(decimals)
    if len(known) > AMOUNT_STRINGS_KEPT:
        known.clear()
    printed = printer(decimals)
    return [known.get(a) or known.setdefault(a, printed(a)) for a in amounts]


def level_strings(book_side: list[tuple[float, float]], pd: int, ad: int,
                  *extra: str) -> list[tuple[str, ...]]:
    """[(price, amount, *extra), ...] as strings with `pd` / `ad` places (orjson prints tuples as arrays)."""
    if not book_side:
        return []
    prices, amounts = zip(*book_side)
    columns = [map(printer(pd), prices), amount_strings(amounts, ad)]
    columns += [repeat(value) for value in extra]
    return list(zip(*columns))


def levels(book_side: list[tuple[float, float]], pd: int, ad: int) -> list[tuple[str, str]]:
    """[[price, amount], ...] as strings."""
    return level_strings(book_side, pd, ad)
