"""Seeded randomness: every random draw is a pure function of its key, never of call order."""
from __future__ import annotations

import hashlib
import random


def seeded(*key: object) -> random.Random:
    """A `random.Random` seeded from a stable hash of `key` (e.g. seed, venue, symbol, purpose, t)."""
    digest = hashlib.blake2b(repr(key).encode(), digest_size=16).digest()
    return random.Random(int.from_bytes(digest, "big"))
