"""Which landing partition (UTC day, exchange) an order book belongs to, known before parsing.

A landing file holds one UTC day of one exchange. Splitting parsed order
books by partition would copy every level (Arrow filters nested lists one
value at a time), so the fast path learns each line's partition from its
envelope (the named groups of `own_shape.ORDERBOOK_SHAPE`) and parses the lines
of each partition separately: every batch it returns holds one partition, and
`by_partition` hands such batches on whole. Batches that mix partitions (the
careful path's) are still split by filtering.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def utc_days(ts_ms: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """YYYY-MM-DD (UTC) of epoch milliseconds."""
    return pc.cast(pc.cast(ts_ms.cast(pa.timestamp("ms")), pa.date32()), pa.string())


def _integers(text: pa.Array) -> pa.Array:
    """Integer text as int64; "" (a group that took no part in the match) as null."""
    text = text.cast(pa.large_string())
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.large_string()), text).cast(pa.int64())


def line_partitions(envelope: pa.StructArray | pa.ChunkedArray) -> pa.Array:
    """Per line, a partition number (0, 1, ...; null where the line is not book-shaped).

    `envelope` is `pc.extract_regex(lines, ORDERBOOK_SHAPE)`: exchange,
    timestamp ("" when null) and received_at as text, null when no match.
    """
    if isinstance(envelope, pa.ChunkedArray):
        envelope = envelope.combine_chunks()
    ts = pc.coalesce(_integers(envelope.field("timestamp")), _integers(envelope.field("received_at")))
    exchange = envelope.field("exchange").cast(pa.large_string())
    key = pc.binary_join_element_wise(utc_days(ts).cast(pa.large_string()), exchange, pa.scalar("\x1f", pa.large_string()))
    key = pc.if_else(envelope.is_valid(), key, pa.scalar(None, key.type))
    return pc.dictionary_encode(key).indices


def _batch_partitions(batch: pa.RecordBatch) -> tuple[pa.Array, pa.Array]:
    days = utc_days(pc.coalesce(batch.column("exchange_ts"), batch.column("received_ts")))
    return days, batch.column("exchange")


def by_partition(table: pa.Table) -> list[tuple[tuple[str, str], pa.Table]]:
    """The rows of `table` per (UTC day of coalesce(exchange_ts, received_ts), exchange).

    A batch of one partition is passed on without a copy; a mixed batch is filtered.
    """
    parts: dict[tuple[str, str], list[pa.RecordBatch]] = {}
    for batch in table.to_batches():
        if batch.num_rows == 0:
            continue
        days, exchanges = _batch_partitions(batch)
        keys = pa.table({"day": days, "exchange": exchanges}).group_by(["day", "exchange"]).aggregate([])
        groups = list(zip(keys.column("day").to_pylist(), keys.column("exchange").to_pylist()))
        if len(groups) == 1:
            parts.setdefault(groups[0], []).append(batch)
            continue
        for day, exchange in groups:
            mask = pc.and_(pc.equal(days, day), pc.equal(exchanges, exchange))
            parts.setdefault((day, exchange), []).append(batch.filter(mask))
    return [(key, pa.Table.from_batches(batches, table.schema)) for key, batches in parts.items()]
