"""Parse and validate capture files (`.jsonl` / `.jsonl.gz`) in bulk.

Lines are parsed in chunks by DuckDB's JSON reader (C++, every core) straight
into Arrow columns: no Python object per level. Lines in our writer's shape
take the fast path (`mmwatch.capture.own_shape`: typed columns, no per-field
checks needed); every other line takes the careful path
(`mmwatch.capture.any_shape`: each field's JSON type checked in SQL). Two blocks
are parsed at a time, in threads. A line the careful path rejects is explained by
`mmwatch.capture.rules`; the parsed order books and trades of both paths then
pass the door (`mmwatch.door.rules`: venue, market type, symbol, time window,
bounds), which refuses rows with a reason. Every rejected line is reported with
file name and line number (`on_rejects`, in file order; `counts` keeps the first
MAX_REPORTED_PROBLEMS and one example per rule); the rest of the file loads.
`orderbook` and `trade` records come out as Arrow tables in the landing layout;
`ticker`, `funding` and `open_interest` records are accepted and counted but not
landed yet.

Leniency (documented): level prices/amounts given as numeric strings are read
as numbers; a level with more than two entries keeps its first two.
`contract_size` is kept (1.0 when absent or null) and must otherwise be a
positive finite number: a string, zero, a negative or a non-number rejects
the line.
"""
from __future__ import annotations

from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from queue import Queue
from typing import Callable, Iterator

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from mmwatch.capture.own_shape import ORDERBOOK_SCHEMA, TRADE_SCHEMA, with_line_no, parse_fast, shapes
from mmwatch.capture.lines import BLOCK_BYTES, LineBlock, check_is_jsonl, line_blocks
from mmwatch.capture.any_shape import CAREFUL_QUERY
from mmwatch.capture.rules import COUNTED_TYPES, LANDED_TYPES, RECORD_TYPES, line_problem
from mmwatch.door.rules import Door

MAX_REPORTED_PROBLEMS = 1000
PARSE_WORKERS = 2  # blocks parsed at a time (this machine has 2 cores)

# The landing columns (mmwatch.schemas, less `source`), as the careful query names them too.
ORDERBOOK_COLUMNS = tuple(ORDERBOOK_SCHEMA.names)
TRADE_COLUMNS = tuple(TRADE_SCHEMA.names)


@dataclass(frozen=True)
class LineIssue:
    """One rejected line: where and why (`rule`: the short name of the rule it broke)."""

    file: str
    line: int
    kind: str
    reason: str
    rule: str = "capture format"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class CaptureCounts:
    """Loaded and rejected lines per record type and per rule, the first rejected lines with
    reasons, and the first line of each rule (every rejected line goes to the rejects file)."""

    loaded: Counter = field(default_factory=Counter)
    rejected: Counter = field(default_factory=Counter)
    issues: list[LineIssue] = field(default_factory=list)
    by_rule: Counter = field(default_factory=Counter)
    examples: dict[str, LineIssue] = field(default_factory=dict)

    def reject(self, issue: LineIssue) -> None:
        self.rejected[issue.kind] += 1
        self.by_rule[issue.rule] += 1
        self.examples.setdefault(issue.rule, issue)
        if len(self.issues) < MAX_REPORTED_PROBLEMS:
            self.issues.append(issue)

    def add(self, other: "CaptureCounts") -> None:
        """Add the counts of a later part of the file (its issues come after ours)."""
        self.loaded.update(other.loaded)
        self.rejected.update(other.rejected)
        self.by_rule.update(other.by_rule)
        for rule, issue in other.examples.items():
            self.examples.setdefault(rule, issue)
        self.issues.extend(other.issues[:MAX_REPORTED_PROBLEMS - len(self.issues)])


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
    """Read one capture file chunk by chunk; `counts` is complete once `chunks()` is exhausted.

    Blocks of lines are parsed by `workers` threads (DuckDB, Arrow and RE2 release
    the GIL), each with its own DuckDB cursor, while the next block is read;
    chunks and counts come out in file order.
    """

    def __init__(self, path: str | Path, workers: int = PARSE_WORKERS, block_bytes: int = BLOCK_BYTES,
                 door: Door | None = None, on_rejects: Callable[[list[LineIssue]], None] | None = None):
        self.path = Path(path)
        check_is_jsonl(self.path)
        self.counts = CaptureCounts()
        self.workers, self.block_bytes = max(1, workers), block_bytes
        self.door = door or Door()
        self.on_rejects = on_rejects  # every rejected line of a block, blocks in file order

    def chunks(self) -> Iterator[CaptureChunk]:
        """Yield the accepted order books and trades of each block of lines."""
        con = duckdb.connect()
        cursors: Queue = Queue()
        for _ in range(self.workers):
            cursors.put(con.cursor())

        def parse(block: LineBlock) -> tuple[CaptureChunk, list[int], list[LineIssue]]:
            cursor = cursors.get()
            try:
                return _BlockParser(self.path.name, cursor, self.door).parse(block)
            finally:
                cursors.put(cursor)

        in_flight: deque[Future] = deque()
        # a block's buffer is reused `workers + 1` blocks later: by then it has been parsed
        blocks = line_blocks(self.path, self.block_bytes, buffers=self.workers + 2)
        try:
            with ThreadPoolExecutor(self.workers, thread_name_prefix="capture-parser") as pool:
                try:
                    for block in blocks:
                        in_flight.append(pool.submit(parse, block))
                        if len(in_flight) > self.workers:
                            yield self._counted(in_flight.popleft().result())
                    while in_flight:
                        yield self._counted(in_flight.popleft().result())
                finally:
                    for future in in_flight:
                        future.cancel()
        finally:
            con.close()

    def _counted(self, parsed: tuple[CaptureChunk, CaptureCounts, list[LineIssue]]) -> CaptureChunk:
        chunk, counts, issues = parsed
        for issue in issues:
            counts.reject(issue)
        self.counts.add(counts)
        if issues and self.on_rejects is not None:
            self.on_rejects(issues)
        return chunk


class _BlockParser:
    """Parses one block of lines with one DuckDB cursor; counts go to its own CaptureCounts, every
    rejected line (format or door) to `issues`."""

    def __init__(self, file_name: str, con: duckdb.DuckDBPyConnection, door: Door):
        self.file_name, self._con, self._door = file_name, con, door
        self.counts = CaptureCounts()
        self.issues: list[LineIssue] = []

    def parse(self, block: LineBlock) -> tuple[CaptureChunk, CaptureCounts, list[LineIssue]]:
        lines = _lines_table(block)
        shape, partition = shapes(lines.column("line"))
        try:
            fast_books, fast_trades, not_taken = parse_fast(self._con, *lines.columns, shape, partition)
        except pa.ArrowInvalid:  # a line is not UTF-8: the careful path says which
            fast_books, fast_trades = with_line_no(ORDERBOOK_SCHEMA).empty_table(), with_line_no(TRADE_SCHEMA).empty_table()
            shape, not_taken = pa.nulls(len(shape), pa.int8()), pa.array([], pa.int64())
        careful = shape.is_null()
        if len(not_taken):
            careful = pc.or_(careful, pc.is_in(lines.column("line_no"), not_taken))
        books, trades = [fast_books], [fast_trades]
        if pc.any(careful).as_py():
            careful_books, careful_trades = self._parse_carefully(lines.filter(careful), block)
            books.append(careful_books.cast(with_line_no(ORDERBOOK_SCHEMA)))
            trades.append(careful_trades.cast(with_line_no(TRADE_SCHEMA)))
        landed_books = self._through_door(_concat(books), "orderbooks", "orderbook")
        landed_trades = self._through_door(_concat(trades), "trades", "trade")
        self.counts.loaded["orderbook"] += len(landed_books)
        self.counts.loaded["trade"] += len(landed_trades)
        self.issues.sort(key=lambda issue: issue.line)
        chunk = CaptureChunk(landed_books.drop_columns("line_no"), landed_trades.drop_columns("line_no"))
        return chunk, self.counts, self.issues

    def _through_door(self, table: pa.Table, dataset: str, kind: str) -> pa.Table:
        """The rows of `table` (landing layout plus `line_no`) that the door lets in; the others become
        issues. No copy when every row passes (the fast path's batches stay one partition each)."""
        if table.num_rows == 0:
            return table
        frame = pl.from_arrow(table, rechunk=False)
        assert isinstance(frame, pl.DataFrame)
        refusals = self._door.refusals(frame, dataset)
        if refusals.is_empty():
            return table
        line_nos = frame["line_no"].gather(refusals["row"]).to_list()
        for line_no, rule, reason in zip(line_nos, refusals["rule"], refusals["reason"]):
            self.issues.append(LineIssue(self.file_name, line_no, kind, reason, rule))
        refused = pa.array(refusals["row"].to_numpy()).cast(pa.int64())
        return table.filter(pc.invert(pc.is_in(pa.array(range(table.num_rows), pa.int64()), refused)))

    def _parse_carefully(self, lines: pa.Table, block: LineBlock) -> tuple[pa.Table, pa.Table]:
        """Every check per field in SQL (any key order, lenient where documented); rejected lines explained."""
        self._con.register("capture_lines", pa.Table.from_batches(lines.to_batches(max_chunksize=1024), lines.schema))
        table = self._con.sql(CAREFUL_QUERY).to_arrow_table()
        self._con.unregister("capture_lines")
        ok, kind = table.column("ok"), table.column("kind")
        books = _rows(table, pc.and_(ok, pc.equal(kind, "orderbook")), ("line_no", *ORDERBOOK_COLUMNS))
        rejected = table.column("line_no").filter(pc.invert(ok)).to_pylist()
        trades = _rows(table, pc.and_(ok, pc.equal(kind, "trade")), ("line_no", *TRADE_COLUMNS))
        self._count_not_landed(pc.if_else(ok, kind, None))
        self._explain(sorted(rejected), block)
        return books, trades

    def _count_not_landed(self, accepted_kinds: pa.ChunkedArray) -> None:
        """Count the accepted records that are not landed (tickers, ...); books and trades are counted past the door."""
        for item in pc.value_counts(accepted_kinds).to_pylist():
            if item["values"] is not None and item["values"] not in LANDED_TYPES:
                self.counts.loaded[item["values"]] += item["counts"]

    def _explain(self, rejected_lines: list[int], block: LineBlock) -> None:
        for line_no in rejected_lines:
            kind, problem = line_problem(block.line(line_no))
            if kind == "blank":
                continue
            rule, reason = problem or ("capture format", "record does not match the capture format")
            self.issues.append(LineIssue(self.file_name, line_no, kind, reason, rule))


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
