"""snapshot_id must never change for the same content: it is the de-dup key between a collected
and an imported copy of a snapshot (docs/contracts.md). Pinned to an independent computation."""
from __future__ import annotations

import hashlib
import struct

import polars as pl

from mmwatch.lake.raw_ids import snapshot_ids
from mmwatch.schemas import LEVELS

ROWS = {
    "exchange": ["binance", "gate", "okx"],
    "market_type": ["spot", "swap", "spot"],
    "symbol": ["BTC/USDT", "ETH/USDT:USDT", "SOL/USDT"],
    "ts": [1_763_683_200_123, 1_763_683_200_456, 1_763_683_201_000],
    "bids": [[{"price": 97000.1, "amount": 0.5}, {"price": 96999.0, "amount": 0.0}], [], None],
    "asks": [[{"price": 97000.2, "amount": 0.3}], [{"price": 3100.5, "amount": 2.0}], [{"price": 140.0, "amount": 1.0}]],
}


def _expected(exchange, market_type, symbol, ts, bids, asks) -> str:
    bids, asks = bids or [], asks or []
    header = f"{exchange}\x1f{market_type}\x1f{symbol}\x1f{ts}\x1f{len(bids)}\x1f{len(asks)}\x1e".encode()
    doubles = [level[part] for side in (bids, asks) for part in ("price", "amount") for level in side]
    return hashlib.sha256(header + struct.pack(f"<{len(doubles)}d", *doubles)).hexdigest()[:16]


def test_snapshot_ids_hash_the_canonical_bytes():
    frame = pl.DataFrame(ROWS, schema={"exchange": pl.Utf8, "market_type": pl.Utf8, "symbol": pl.Utf8,
                                       "ts": pl.Int64, "bids": LEVELS, "asks": LEVELS})
    expected = [_expected(*row) for row in zip(*ROWS.values())]
    assert snapshot_ids(frame).to_list() == expected
    # the same rows in other chunks and slices give the same ids
    chunked = pl.concat([frame.slice(0, 1), frame.slice(1, 2)], rechunk=False)
    assert snapshot_ids(chunked).to_list() == expected
    assert snapshot_ids(frame.slice(1, 2)).to_list() == expected[1:]


def test_snapshot_id_is_pinned():
    """A literal: if this changes, every lake in use would let re-imported snapshots in twice."""
    frame = pl.DataFrame({k: v[:1] for k, v in ROWS.items()}, schema={
        "exchange": pl.Utf8, "market_type": pl.Utf8, "symbol": pl.Utf8, "ts": pl.Int64, "bids": LEVELS, "asks": LEVELS})
    assert snapshot_ids(frame).to_list() == [_expected(*[v[0] for v in ROWS.values()])]
    assert snapshot_ids(frame).to_list() == ["e9ec4f9ad64733b0"]  # computed by the previous implementation too
