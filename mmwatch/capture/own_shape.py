"""The fast path of the capture reader: lines in the shape our own writer produces.

`CaptureWriter` (and orjson or json.dumps of `orderbook_record` /
`trade_record`) writes the envelope keys first, in a fixed order. A line
whose beginning matches that shape exactly (checked with one anchored RE2
regular expression over the whole block: strings without escapes, integers
that fit 64 bits, a known market type) needs no per-field type checks: DuckDB
converts it straight to typed columns (`json_transform`, every core), and
the levels come out as `DOUBLE[2][]` (a level of another length becomes
NULL), reshaped to (price, amount) structs with Arrow and polars kernels (no
Python object per level).

DuckDB keeps the first of duplicate keys, so the typed values are the ones
the regular expression checked. `contract_size` comes last in our records
(after `asks`, or `side`), beyond the part of a book line the expression
reads, so it is taken as JSON text and checked here (a positive finite
number; absent or null: 1.0). A line that does not have the shape, whose
levels are not all [number, number], or whose contract size is not such a
number, returns to the careful path (`any_shape.CAREFUL_QUERY` and
`rules.line_problem`), which accepts or rejects it with a reason; nothing
is decided differently here, only faster.
"""
from __future__ import annotations

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from mmwatch.capture.line_partitions import line_partitions
from mmwatch.schemas import LANDING_ORDERBOOKS, LANDING_TRADES

_SP = r"[ \t]*"
_TEXT = r'"[ !#-\[\]-~]+"'  # non-empty printable ASCII without quote or backslash
_INT = r"-?(?:0|[1-9][0-9]{0,17})"  # always fits in BIGINT
_NUM = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
_MARKET_TYPE = '"(?:spot|swap|future)"'


def _members(*pairs: tuple[str, str]) -> str:
    return f"{_SP},{_SP}".join(f'"{key}"{_SP}:{_SP}{value}' for key, value in pairs)


def _envelope(kind: str) -> tuple[tuple[str, str], ...]:
    return (("type", f'"{kind}"'), ("exchange", _TEXT), ("market_type", _MARKET_TYPE), ("symbol", _TEXT),
            ("timestamp", f"(?:null|{_INT})"), ("received_at", _INT))


def _book_envelope() -> tuple[tuple[str, str], ...]:
    """The order-book envelope with named groups for what decides the landing partition."""
    named = {"exchange": f'"(?P<exchange>{_TEXT[1:-1]})"', "timestamp": f"(?:null|(?P<timestamp>{_INT}))",
             "received_at": f"(?P<received_at>{_INT})"}
    return tuple((key, named.get(key, value)) for key, value in _envelope("orderbook"))


# Order books: the envelope, nonce and the opening of bids; the levels are checked on the typed result.
# The named groups (exchange, timestamp, received_at) give each line its landing partition before parsing.
ORDERBOOK_SHAPE = (f"^{_SP}\\{{{_SP}" + _members(*_book_envelope(), ("nonce", f"(?:null|{_INT})"))
                   + f'{_SP},{_SP}"bids"{_SP}:{_SP}\\[')
# Trades are short: the whole line, nothing else in it (contract_size last, when there is one).
TRADE_SHAPE = (f"^{_SP}\\{{{_SP}" + _members(
    *_envelope("trade"), ("id", f"(?:null|{_INT}|{_TEXT})"), ("price", _NUM), ("amount", _NUM),
    ("side", '(?:null|"buy"|"sell")')) + f'(?:{_SP},{_SP}"contract_size"{_SP}:{_SP}(?:null|{_NUM}))?'
    + f"{_SP}\\}}{_SP}\r?\n?$")
# A contract size as JSON text: a number that is not negative (zero and inf are refused after the cast).
_UNSIGNED_NUMBER = r"^(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$"

_ENVELOPE_SPEC = '"exchange":"VARCHAR","market_type":"VARCHAR","symbol":"VARCHAR","timestamp":"BIGINT","received_at":"BIGINT"'
# contract_size as JSON text: DuckDB would turn "0.01" (a string) or true into a DOUBLE without a word.
_ORDERBOOK_SPEC = ('{' + _ENVELOPE_SPEC + ',"nonce":"BIGINT","bids":"DOUBLE[2][]","asks":"DOUBLE[2][]",'
                   '"contract_size":"JSON"}')
_TRADE_SPEC = ('{' + _ENVELOPE_SPEC + ',"id":"VARCHAR","price":"DOUBLE","amount":"DOUBLE","side":"VARCHAR",'
               '"contract_size":"JSON"}')
_QUERY = "select line_no, unnest(json_transform(line, '{spec}')) from fast_lines where {where}"
# When a shaped line is not JSON after all, try() gives it NULL columns (it goes to the careful path);
# try() costs ~10 %, so it is only used when the plain query failed.
_TRY_QUERY = "select line_no, unnest(try(json_transform(line, '{spec}'))) from fast_lines where {where}"
BOOK_SHAPED, TRADE_SHAPED = 0, 1

_ARROW_SCALARS = {pl.String: pa.string(), pl.Int64: pa.int64(), pl.Float64: pa.float64()}


def _arrow_type(dtype: pl.DataType) -> pa.DataType:
    """The Arrow type the reader builds for a landing column: plain (not large) strings and lists,
    the layout DuckDB returns and the fast path's kernels are measured on."""
    if isinstance(dtype, pl.List):
        return pa.list_(_arrow_type(dtype.inner))
    if isinstance(dtype, pl.Struct):
        return pa.struct([(field.name, _arrow_type(field.dtype)) for field in dtype.fields])
    return _ARROW_SCALARS[dtype]


def landing_arrow_schema(landing: pl.Schema) -> pa.Schema:
    """A landing schema (`mmwatch.schemas`) as the reader's Arrow schema: every column but
    `source`, which the importer adds per file."""
    return pa.schema([(name, _arrow_type(dtype)) for name, dtype in landing.items() if name != "source"])


ORDERBOOK_SCHEMA = landing_arrow_schema(LANDING_ORDERBOOKS)
TRADE_SCHEMA = landing_arrow_schema(LANDING_TRADES)
LEVELS = ORDERBOOK_SCHEMA.field("bids").type
LEVEL = LEVELS.value_type
_RENAMED = {"timestamp": "exchange_ts", "received_at": "received_ts", "id": "trade_id"}


def shapes(lines: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Per line (binary): BOOK_SHAPED, TRADE_SHAPED or null (not in the writer's shape), and the
    landing partition number of each book-shaped line (`partitions.line_partitions`)."""
    envelope = pc.extract_regex(lines, ORDERBOOK_SHAPE)
    trade = pc.match_substring_regex(lines, TRADE_SHAPE)
    null = pa.scalar(None, pa.int8())
    shape = pc.if_else(envelope.is_valid(), BOOK_SHAPED, pc.if_else(trade, TRADE_SHAPED, null)).cast(pa.int8())
    return shape, line_partitions(envelope)


def parse_fast(con: duckdb.DuckDBPyConnection, line_no: pa.Array, lines: pa.Array, shape: pa.Array,
               partition: pa.Array) -> tuple[pa.Table, pa.Table, pa.Array]:
    """(order books, trades, line numbers not taken) of the shaped lines of a block.

    The tables are in the landing layout (without `source`) plus `line_no`.
    Order books are parsed partition by partition (`partition`: per line, from
    `shapes`), so each batch of the order-book table holds one landing
    partition. A shaped line is not taken when it is not valid JSON after all, has a
    side that is not a list of [number, number] levels, a trade whose price or
    amount is not finite, or a contract size that is not a positive finite
    number: the careful path decides about those.
    """
    text = pc.cast(lines, pa.large_string())  # raises ArrowInvalid when not UTF-8
    table = pa.table({"line_no": line_no, "shape": shape, "part": partition, "line": text})
    con.register("fast_lines", pa.Table.from_batches(table.to_batches(max_chunksize=2048), table.schema))
    try:
        codes = range(pc.max(partition).as_py() + 1 if partition.null_count < len(partition) else 0)
        parts = [_orderbooks(_renamed(_typed(con, _ORDERBOOK_SPEC, f"shape = {BOOK_SHAPED} and part = {code}")))
                 for code in codes]
        trades, odd_trades = _trades(_renamed(_typed(con, _TRADE_SPEC, f"shape = {TRADE_SHAPED}")))
    finally:
        con.unregister("fast_lines")
    books_schema = with_line_no(ORDERBOOK_SCHEMA)
    books = pa.Table.from_batches([b for part, _ in parts for b in part.to_batches()], books_schema)
    return books, trades, pa.concat_arrays([odd for _, odd in parts] + [odd_trades])


def _typed(con: duckdb.DuckDBPyConnection, spec: str, where: str) -> pa.Table:
    """The registered lines that satisfy `where`, converted by DuckDB to the typed columns of `spec`."""
    try:
        return con.sql(_QUERY.format(spec=spec, where=where)).to_arrow_table()
    except duckdb.InvalidInputException:  # a line is not JSON after all
        return con.sql(_TRY_QUERY.format(spec=spec, where=where)).to_arrow_table()


def _renamed(parsed: pa.Table) -> pa.Table:
    return parsed.rename_columns([_RENAMED.get(name, name) for name in parsed.column_names])


def with_line_no(schema: pa.Schema) -> pa.Schema:
    """`schema` with a leading int64 `line_no` column (the fast path's tables)."""
    return pa.schema([("line_no", pa.int64()), *schema])


def _trades(parsed: pa.Table) -> tuple[pa.Table, pa.Array]:
    """Trades with finite price and amount (NULL columns: not JSON) and a good contract size, and
    the line numbers of the others."""
    sizes, bad_size = _contract_sizes(parsed.column("contract_size").combine_chunks())
    ok = pc.fill_null(pc.and_(pc.is_finite(parsed.column("price")), pc.is_finite(parsed.column("amount"))), False)
    if bad_size is not None:
        ok = pc.and_(ok, pc.invert(bad_size))
    odd = parsed.column("line_no").filter(pc.invert(ok)).combine_chunks()
    trades = parsed.set_column(parsed.schema.get_field_index("contract_size"), "contract_size", sizes)
    trades = trades.filter(ok).select(["line_no", *TRADE_SCHEMA.names])
    return trades.cast(with_line_no(TRADE_SCHEMA)), odd


def _contract_sizes(sizes: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """Per row, the contract size (1.0 where absent or null) and whether it is bad (not a positive
    finite JSON number; None when no row is): `sizes` is the JSON text DuckDB gives, null when absent."""
    if sizes.null_count == len(sizes):  # spot lines and captures that predate the field: nothing to check
        return pc.fill_null(pa.nulls(len(sizes), pa.float64()), 1.0), None
    number = pc.match_substring_regex(sizes, _UNSIGNED_NUMBER)
    values = pc.cast(pc.if_else(number, sizes, pa.scalar(None, sizes.type)), pa.float64())
    good = pc.and_(pc.is_finite(values), pc.greater(values, 0.0))
    bad = pc.and_(sizes.is_valid(), pc.invert(pc.fill_null(good, False)))
    return pc.fill_null(values, 1.0), (bad if pc.any(bad).as_py() else None)


def _orderbooks(parsed: pa.Table) -> tuple[pa.Table, pa.Array]:
    """Order books with (price, amount) levels, and the line numbers of rows with a missing side or an odd level.

    Batch by batch, so nothing is copied except into the struct layout.
    """
    schema = with_line_no(ORDERBOOK_SCHEMA)
    batches, odd = [], [pa.array([], pa.int64())]
    for batch in parsed.select(schema.names).to_batches():
        sizes, bad_size = _contract_sizes(batch.column("contract_size"))
        odd_rows = [rows for rows in (_odd_rows(batch.column(side)) for side in ("bids", "asks")) if rows is not None]
        if bad_size is not None:
            odd_rows.append(pc.indices_nonzero(bad_size).cast(pa.int64()))
        if odd_rows:
            keep = pc.invert(pc.is_in(pa.array(range(batch.num_rows), pa.int64()), pa.concat_arrays(odd_rows)))
            odd.append(batch.column("line_no").filter(pc.invert(keep)))
            batch, sizes = batch.filter(keep), sizes.filter(keep)
        columns = {"bids": _as_structs(batch.column("bids")), "asks": _as_structs(batch.column("asks")),
                   "contract_size": sizes}
        batches.append(pa.record_batch([columns.get(field.name, batch.column(field.name)).cast(field.type)
                                        for field in schema], schema))
    return pa.Table.from_batches(batches, schema), pa.concat_arrays(odd)


def _odd_rows(levels: pa.ListArray) -> pa.Array | None:
    """Row indexes whose side is missing (or the line is not JSON) or holds a level that is not
    two numbers (NULL in DOUBLE[2][]); None when there is none."""
    inner = levels.flatten()
    if levels.null_count == 0 and inner.null_count == 0 and inner.flatten().null_count == 0:
        return None
    level_rows = pc.list_parent_indices(levels)
    odd_levels = pc.or_(inner.is_null(), _has_null_value(inner))
    missing = pc.indices_nonzero(levels.is_null())
    return pa.concat_arrays([pc.filter(level_rows, odd_levels).cast(pa.int64()), missing.cast(pa.int64())])


def _has_null_value(inner: pa.FixedSizeListArray) -> pa.Array:
    """Per level [price, amount]: one of the two is null."""
    values = inner.values.slice(2 * inner.offset, 2 * len(inner))
    levels_with_null = pc.divide(pc.indices_nonzero(values.is_null()), 2)
    return pc.is_in(pa.array(range(len(inner)), pa.uint64()), levels_with_null)


def _as_structs(levels: pa.ListArray) -> pa.ListArray:
    """Lists of [price, amount] (fixed size 2, no nulls) as lists of (price, amount) structs."""
    inner = levels.flatten()
    values = pl.from_arrow(inner.values.slice(2 * inner.offset, 2 * len(inner)))
    assert isinstance(values, pl.Series)
    prices, amounts = values.gather_every(2).to_arrow(), values.gather_every(2, offset=1).to_arrow()
    structs = pa.StructArray.from_arrays([prices, amounts], fields=list(LEVEL))
    offsets = pc.subtract(levels.offsets, levels.offsets[0])
    return pa.ListArray.from_arrays(offsets, structs, type=LEVELS)
