"""Content keys of the lake: `snapshot_id` and `trade_key` (docs/contracts.md).

Both are the first 64 bits of a SHA-256 digest (16 hex characters) of a
canonical byte form (SHA-256: hardware-accelerated on current CPUs, fastest here),
so they are stable across runs, machines and library upgrades (polars' own
hash is only stable within one polars version, and an id that changes would
let a re-imported snapshot in twice).
"""
from __future__ import annotations

from hashlib import sha256

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc


def _hash64(canonical: bytes) -> str:
    return sha256(canonical).hexdigest()[:16]


def _double_bytes(values: pa.Array) -> memoryview:
    """IEEE-754 bytes (Arrow native order, little-endian on every supported CPU) of a
    float64 array; nulls as NaN."""
    if values.null_count:
        values = pc.fill_null(values, float("nan"))
    return memoryview(values.buffers()[1]).cast("B")[8 * values.offset : 8 * (values.offset + len(values))]


def _level_bytes(levels: pl.Series) -> tuple[list[int], memoryview, memoryview]:
    """Per-row level offsets and byte views of all prices and all amounts, row after row.

    Zero-copy over the Arrow buffers. Null sides count as empty; null
    prices/amounts read as NaN (such a snapshot is invalid anyway).
    """
    array = levels.rechunk().to_arrow()
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.null_count:
        array = pc.fill_null(array, pa.scalar([], type=array.type))
    flat = array.flatten()  # the levels of the rows, in order, offsets rebased to 0
    first = array.offsets[0].as_py()
    offsets = [offset - first for offset in array.offsets.to_pylist()]
    return offsets, _double_bytes(flat.field("price")), _double_bytes(flat.field("amount"))


def _headers(frame: pl.DataFrame) -> list[bytes]:
    """Per row: exchange, market_type, symbol, ts, bid count, ask count (text, 0x1f between, 0x1e after)."""
    parts = [pl.col(name).cast(pl.Utf8).fill_null("None") for name in ("exchange", "market_type", "symbol", "ts")]
    counts = [pl.col(side).list.len().fill_null(0).cast(pl.Utf8) for side in ("bids", "asks")]
    header = pl.concat_str([*parts, *counts], separator="\x1f") + "\x1e"
    return frame.select(header.cast(pl.Binary)).to_series().to_list()


def snapshot_ids(frame: pl.DataFrame) -> pl.Series:
    """Hex snapshot id per row over (exchange, market_type, symbol, ts, bids, asks).

    `frame` needs those columns (ts already resolved). Levels are hashed as
    received: order and zero-amount levels included, as IEEE-754 doubles.
    The canonical bytes per row: the header (`_headers`), then the bid
    prices, bid amounts, ask prices and ask amounts. The header text is built
    by polars and the level bytes are sliced from the Arrow buffers, so the
    only per-row Python work is one join and one SHA-256 (which releases the
    GIL: the raw assets prepare two files at a time).
    """
    bid_offsets, bid_prices, bid_amounts = _level_bytes(frame["bids"])
    ask_offsets, ask_prices, ask_amounts = _level_bytes(frame["asks"])
    bid_bytes, ask_bytes = [8 * offset for offset in bid_offsets], [8 * offset for offset in ask_offsets]
    join, ids = b"".join, []
    append = ids.append
    for header, b0, b1, a0, a1 in zip(_headers(frame), bid_bytes, bid_bytes[1:], ask_bytes, ask_bytes[1:]):
        digest = sha256(join((header, bid_prices[b0:b1], bid_amounts[b0:b1], ask_prices[a0:a1], ask_amounts[a0:a1])))
        append(digest.hexdigest()[:16])
    return pl.Series("snapshot_id", ids, dtype=pl.Utf8)


def trade_keys(frame: pl.DataFrame) -> pl.Series:
    """`trade_id` when present, else a hex hash of (ts, price, amount, side).

    Floats enter the hash through repr() (shortest round-trip form), so the
    same trade always gives the same key.
    """
    keys = []
    columns = [frame[name].to_list() for name in ("trade_id", "ts", "price", "amount", "side")]
    for trade_id, ts, price, amount, side in zip(*columns):
        if trade_id is not None:
            keys.append(trade_id)
            continue
        canonical = f"{ts}|{price!r}|{amount!r}|{side or ''}"
        keys.append(_hash64(canonical.encode()))
    return pl.Series("trade_key", keys, dtype=pl.Utf8)
