"""Seeded randomness: every random draw is a pure function of its key, never of call order.

`seeded` gives a `random.Random` for sequential draws; `seeded_bytes` one byte string for a whole
book or minute of trades (one C call); `seeded_uint16` the same as 16-bit integers, which index
`normal_quantiles()` (a standard normal drawn by table look-up, 65,536 equally likely values).
"""
from __future__ import annotations

import hashlib
import random
import sys
from array import array
from functools import lru_cache
from statistics import NormalDist

UINT16_VALUES = 65_536


def seeded(*key: object) -> random.Random:
    """A `random.Random` seeded from a stable hash of `key` (e.g. seed, venue, symbol, purpose, t)."""
    digest = hashlib.blake2b(repr(key).encode(), digest_size=16).digest()
    return random.Random(int.from_bytes(digest, "big"))


def seeded_bytes(count: int, *key: object) -> bytes:
    """`count` pseudo-random bytes, a stable function of `key` (one C call for a whole book's draws)."""
    return hashlib.shake_128(repr(key).encode()).digest(count)


def uint16s(data: bytes) -> array:
    """Little-endian 16-bit unsigned integers of `data` (the same on every platform)."""
    values = array("H", data)
    if sys.byteorder == "big":
        values.byteswap()
    return values


def seeded_uint16(count: int, *key: object) -> array:
    """`count` pseudo-random integers in [0, 65536), a stable function of `key`."""
    return uint16s(seeded_bytes(2 * count, *key))


@lru_cache(maxsize=1)
def normal_quantiles() -> tuple[float, ...]:
    """The standard normal at the midpoints of 65,536 equal-probability slices (index with a uint16)."""
    inv_cdf = NormalDist().inv_cdf
    return tuple(inv_cdf((index + 0.5) / UINT16_VALUES) for index in range(UINT16_VALUES))
