"""Parse and validate capture files (`.jsonl` / `.jsonl.gz`) in bulk.

Lines are parsed in chunks by DuckDB's JSON reader (C++, every core) straight
into Arrow columns: no Python object per level. Lines in our writer's shape
take the fast path (`mmwatch.capture.fastpath`: typed columns, no per-field
checks needed); every other line takes the careful path (`_QUERY`: each field's
JSON type checked in SQL). A line the careful path rejects is explained by
`mmwatch.capture.rules` and reported with file name and line number; the rest
of the file loads. `orderbook` and `trade` records come out
as Arrow tables in the landing layout; `ticker`, `funding` and
`open_interest` records are accepted and counted but not landed yet.

Leniency (documented): level prices/amounts given as numeric strings are read
as numbers; a level with more than two entries keeps its first two.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from mmwatch.capture.fastpath import ORDERBOOK_SCHEMA, TRADE_SCHEMA, with_line_no, parse_fast, shapes
from mmwatch.capture.lines import LineBlock, check_is_jsonl, line_blocks
from mmwatch.capture.rules import COUNTED_TYPES, LANDED_TYPES, RECORD_TYPES, line_problem
from mmwatch.schemas import MARKET_TYPES

MAX_REPORTED_PROBLEMS = 1000

_SPEC = ('{"type":"JSON","exchange":"JSON","market_type":"JSON","symbol":"JSON","timestamp":"JSON",'
         '"received_at":"JSON","nonce":"JSON","bids":"DOUBLE[][]","asks":"DOUBLE[][]",'
         '"id":"JSON","price":"JSON","amount":"JSON","side":"JSON"}')
_INT = "('UBIGINT','BIGINT')"
_NUM = "('UBIGINT','BIGINT','DOUBLE')"


def _text(name: str) -> str:
    return f"case when json_type(r.{name}) = 'VARCHAR' then r.{name} ->> '$' end"


def _optional(name: str, types: str) -> str:
    return f"(r.{name} is null or json_type(r.{name}) in {types})"


def _levels(side: str) -> str:
    return f"list_transform(r.{side}, lambda level: {{'price': level[1], 'amount': level[2]}})"


def _levels_ok(side: str) -> str:
    ok_level = "len(level) >= 2 and level[1] is not null and level[2] is not null"
    return f"(r.{side} is not null and list_bool_and(list_transform(r.{side}, lambda level: {ok_level})) is not false)"


_QUERY = f"""
with parsed as (
    select line_no, try(json_transform(try(decode(line)), '{_SPEC}')) as r from capture_lines
), typed as (
    select line_no, r,
        {_text('type')} as kind, {_text('exchange')} as exchange, {_text('market_type')} as market_type,
        {_text('symbol')} as symbol,
        case when json_type(r.timestamp) in {_INT} then try_cast(r.timestamp as BIGINT) end as exchange_ts,
        case when json_type(r.received_at) in {_INT} then try_cast(r.received_at as BIGINT) end as received_ts,
        case when json_type(r.nonce) in {_INT} then try_cast(r.nonce as BIGINT) end as nonce,
        case when json_type(r.id) = 'VARCHAR' then r.id ->> '$'
             when json_type(r.id) in {_INT} then cast(r.id as VARCHAR) end as trade_id,
        case when json_type(r.price) in {_NUM} then try_cast(r.price as DOUBLE) end as price,
        case when json_type(r.amount) in {_NUM} then try_cast(r.amount as DOUBLE) end as amount,
        {_text('side')} as side
    from parsed
)
select line_no, kind, exchange, market_type, symbol, exchange_ts, received_ts, nonce,
    {_levels('bids')} as bids, {_levels('asks')} as asks, trade_id, price, amount, side,
    coalesce(
        kind in {tuple(RECORD_TYPES)} and exchange <> '' and symbol <> '' and market_type in {tuple(MARKET_TYPES)}
        and received_ts is not null and {_optional('timestamp', "('NULL','UBIGINT','BIGINT')")}
        and (exchange_ts is not null or r.timestamp is null or json_type(r.timestamp) = 'NULL')
        and case kind
            when 'orderbook' then {_levels_ok('bids')} and {_levels_ok('asks')}
                and {_optional('nonce', "('NULL','UBIGINT','BIGINT')")}
                and (nonce is not null or r.nonce is null or json_type(r.nonce) = 'NULL')
            when 'trade' then isfinite(price) and isfinite(amount)
                and {_optional('id', "('NULL','VARCHAR','UBIGINT','BIGINT')")}
                and (side is null or side in ('buy', 'sell')) and {_optional('side', "('NULL','VARCHAR')")}
            else true end,
        false) as ok
from typed
"""

ORDERBOOK_COLUMNS = ("exchange", "market_type", "symbol", "exchange_ts", "received_ts", "nonce", "bids", "asks")
TRADE_COLUMNS = ("exchange", "market_type", "symbol", "exchange_ts", "received_ts", "trade_id", "price", "amount", "side")


@dataclass(frozen=True)
class LineIssue:
    """One rejected line: where and why."""

    file: str
    line: int
    kind: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class CaptureCounts:
    """Loaded and rejected lines per record type, and the first rejected lines with reasons."""

    loaded: Counter = field(default_factory=Counter)
    rejected: Counter = field(default_factory=Counter)
    issues: list[LineIssue] = field(default_factory=list)

    def reject(self, issue: LineIssue) -> None:
        self.rejected[issue.kind] += 1
        if len(self.issues) < MAX_REPORTED_PROBLEMS:
            self.issues.append(issue)


@dataclass(frozen=True)
class CaptureChunk:
    """The accepted records of one chunk of lines, in the landing layout (without `source`)."""

    orderbooks: pa.Table
    trades: pa.Table


def _lines_table(block: LineBlock) -> pa.Table:
    """The block as an Arrow table (line_no, line) without copying the bytes (one chunk: Arrow
    kernels are much quicker on one array than on many small ones)."""
    count = len(block)
    offsets = pa.array(block.offsets, pa.int64()).buffers()[1]
    lines = pa.Array.from_buffers(pa.large_binary(), count, [None, offsets, pa.py_buffer(block.data)])
    numbers = pa.array(range(block.first_line, block.first_line + count), pa.int64())
    return pa.table({"line_no": numbers, "line": lines})


def _rows(table: pa.Table, mask: pa.ChunkedArray | pa.Array, columns: tuple[str, ...]) -> pa.Table:
    """`columns` of the rows where mask is true; no copy when every row qualifies."""
    mask = pc.fill_null(mask, False)  # a null kind (unparsed line) never qualifies
    table = table.select(columns)
    return table if pc.all(mask).as_py() else table.filter(mask)


def _concat(tables: list[pa.Table]) -> pa.Table:
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables)


class CaptureReader:
    """Read one capture file chunk by chunk; `counts` is complete once `chunks()` is exhausted."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        check_is_jsonl(self.path)
        self.counts = CaptureCounts()
        self._con = duckdb.connect()

    def chunks(self) -> Iterator[CaptureChunk]:
        """Yield the accepted order books and trades of each block of lines."""
        try:
            for block in line_blocks(self.path):
                yield self._parse(block)
        finally:
            self._con.close()

    def _parse(self, block: LineBlock) -> CaptureChunk:
        lines = _lines_table(block)
        shape = shapes(lines.column("line"))
        try:
            fast_books, fast_trades, not_taken = parse_fast(self._con, *lines.columns, shape)
        except pa.ArrowInvalid:  # a line is not UTF-8: the careful path says which
            fast_books, fast_trades = with_line_no(ORDERBOOK_SCHEMA).empty_table(), with_line_no(TRADE_SCHEMA).empty_table()
            shape, not_taken = pa.nulls(len(shape), pa.int8()), pa.array([], pa.int64())
        careful = shape.is_null()
        if len(not_taken):
            careful = pc.or_(careful, pc.is_in(lines.column("line_no"), not_taken))
        books, trades = [fast_books.drop_columns("line_no")], [fast_trades.drop_columns("line_no")]
        if pc.any(careful).as_py():
            careful_books, careful_trades = self._parse_carefully(lines.filter(careful), block)
            books.append(careful_books.cast(ORDERBOOK_SCHEMA))
            trades.append(careful_trades.cast(TRADE_SCHEMA))
        self.counts.loaded["orderbook"] += len(fast_books)
        self.counts.loaded["trade"] += len(fast_trades)
        return CaptureChunk(_concat(books), _concat(trades))

    def _parse_carefully(self, lines: pa.Table, block: LineBlock) -> tuple[pa.Table, pa.Table]:
        """Every check per field in SQL (any key order, lenient where documented); rejected lines explained."""
        self._con.register("capture_lines", pa.Table.from_batches(lines.to_batches(max_chunksize=1024), lines.schema))
        table = self._con.sql(_QUERY).to_arrow_table()
        self._con.unregister("capture_lines")
        ok, kind = table.column("ok"), table.column("kind")
        books = _rows(table, pc.and_(ok, pc.equal(kind, "orderbook")), ORDERBOOK_COLUMNS)
        rejected = table.column("line_no").filter(pc.invert(ok)).to_pylist()
        trades = _rows(table, pc.and_(ok, pc.equal(kind, "trade")), TRADE_COLUMNS)
        self._count(pc.if_else(ok, kind, None), len(books))
        self._explain(sorted(rejected), block)
        return books, trades

    def _count(self, accepted_kinds: pa.ChunkedArray, landed_books: int) -> None:
        self.counts.loaded["orderbook"] += landed_books
        for item in pc.value_counts(accepted_kinds).to_pylist():
            if item["values"] is not None and item["values"] != "orderbook":
                self.counts.loaded[item["values"]] += item["counts"]

    def _explain(self, rejected_lines: list[int], block: LineBlock) -> None:
        for line_no in rejected_lines:
            kind, reason = line_problem(block.line(line_no))
            if kind == "blank":
                continue
            self.counts.reject(LineIssue(self.path.name, line_no, kind, reason or "record does not match the capture format"))


def read_capture(path: str | Path) -> tuple[list[CaptureChunk], CaptureCounts]:
    """Read a whole capture into memory (small files, tests): the chunks and the counts."""
    reader = CaptureReader(path)
    chunks = list(reader.chunks())
    return chunks, reader.counts


def describe_counts(counts: CaptureCounts) -> str:
    """One line: loaded and rejected lines per record type, noting the types not landed yet."""
    loaded = ", ".join(f"{counts.loaded[k]} {k}" for k in RECORD_TYPES if counts.loaded[k]) or "nothing"
    rejected = sum(counts.rejected.values())
    parts = [f"loaded {loaded}", f"rejected {rejected} line{'s' if rejected != 1 else ''}"]
    if rejected:
        parts[-1] += " (" + ", ".join(f"{n} {k}" for k, n in sorted(counts.rejected.items())) + ")"
    not_landed = [k for k in COUNTED_TYPES if counts.loaded[k]]
    if not_landed:
        parts.append(f"{', '.join(not_landed)} accepted and counted but not landed yet")
    return "; ".join(parts)


__all__ = ["CaptureReader", "CaptureChunk", "CaptureCounts", "LineIssue", "read_capture", "describe_counts",
           "LANDED_TYPES"]
