"""Content keys of the lake: `snapshot_id` and `trade_key` (docs/contracts.md).

Both are 64-bit BLAKE2b digests (16 hex characters) of a canonical byte form,
so they are stable across runs, machines and library upgrades (polars' own
hash is only stable within one polars version, and an id that changes would
let a re-imported snapshot in twice).
"""
from __future__ import annotations

from hashlib import blake2b

import polars as pl
import pyarrow as pa


def _double_bytes(values: pl.Series) -> memoryview:
    """IEEE-754 bytes (Arrow native order, little-endian on every supported CPU) of a Float64 series; nulls as NaN."""
    array = values.fill_null(float("nan")).rechunk().to_arrow()
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return memoryview(array.buffers()[1]).cast("B")[8 * array.offset : 8 * (array.offset + len(array))]


def _level_bytes(levels: pl.Series) -> tuple[list[int], memoryview, memoryview]:
    """Per-row level offsets and byte views of all prices and all amounts, row after row.

    Null sides count as empty; null prices/amounts read as NaN (such a
    snapshot is invalid anyway, see raw_rules).
    """
    offsets = [0, *levels.list.len().fill_null(0).cum_sum().to_list()]
    flat = levels.explode(empty_as_null=False, keep_nulls=False)
    return offsets, _double_bytes(flat.struct.field("price")), _double_bytes(flat.struct.field("amount"))


def snapshot_ids(frame: pl.DataFrame) -> pl.Series:
    """Hex snapshot id per row over (exchange, market_type, symbol, ts, bids, asks).

    `frame` needs those columns (ts already resolved). Levels are hashed as
    received: order and zero-amount levels included, as IEEE-754 doubles.
    """
    bid_offsets, bid_prices, bid_amounts = _level_bytes(frame["bids"])
    ask_offsets, ask_prices, ask_amounts = _level_bytes(frame["asks"])
    ids = []
    header_columns = [frame[name].to_list() for name in ("exchange", "market_type", "symbol", "ts")]
    for row, (exchange, market_type, symbol, ts) in enumerate(zip(*header_columns)):
        b0, b1 = bid_offsets[row], bid_offsets[row + 1]
        a0, a1 = ask_offsets[row], ask_offsets[row + 1]
        digest = blake2b(
            f"{exchange}\x1f{market_type}\x1f{symbol}\x1f{ts}\x1f{b1 - b0}\x1f{a1 - a0}\x1e".encode(),
            digest_size=8,
        )
        digest.update(bid_prices[8 * b0 : 8 * b1])
        digest.update(bid_amounts[8 * b0 : 8 * b1])
        digest.update(ask_prices[8 * a0 : 8 * a1])
        digest.update(ask_amounts[8 * a0 : 8 * a1])
        ids.append(digest.hexdigest())
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
        keys.append(blake2b(canonical.encode(), digest_size=8).hexdigest())
    return pl.Series("trade_key", keys, dtype=pl.Utf8)
