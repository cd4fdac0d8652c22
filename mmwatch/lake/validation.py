"""Pandera (polars backend) checks of the lake tables, built from `mmwatch.lake.tables` and run
before every lake write: exact columns and types, nullability, allowed values, unique keys."""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import pandera.polars as pa
import polars as pl

from mmwatch.errors import MmwatchError
from mmwatch.lake.columns import Column, LakeTable
from mmwatch.lake.tables import LAKE, RAW_FETCH_ERRORS, RAW_ORDERBOOKS, STREAM_OUT_OF_SYNC, STREAM_OUT_OF_SYNC_MESSAGE


class LakeSchemaError(MmwatchError):
    """Rows about to enter the lake break the lake schema. `bad_files`: landing file -> what its rows
    break, when the failing rows could be told (empty: the frame as a whole, e.g. a missing column)."""

    def __init__(self, message: str, bad_files: dict[str, str] | None = None):
        super().__init__(message)
        self.bad_files = bad_files or {}


def _checks(column: Column) -> list[pa.Check]:
    checks = []
    if column.isin is not None:
        checks.append(pa.Check.isin(list(column.isin)))
    if column.greater_than is not None:
        checks.append(pa.Check.gt(column.greater_than))
    if column.min_length is not None:
        checks.append(pa.Check.str_length(min_value=column.min_length))
    return checks


def _valid_iff_no_reason(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select(pl.col("is_valid") == pl.col("invalid_reason").is_null())


def _stream_out_of_sync_well_formed(data: pa.PolarsData) -> pl.LazyFrame:
    """A StreamOutOfSync row is an order-book interval whose message parses, ends at received_ts and
    whose unsynced_ms is to - from (the marts read the interval from it)."""
    parts = pl.col("message").str.extract_groups(STREAM_OUT_OF_SYNC_MESSAGE)
    unsynced, start, end = (parts.struct.field(group).cast(pl.Int64, strict=False) for group in ("2", "3", "4"))
    well_formed = (pl.col("dataset") == "orderbooks") & (end == pl.col("received_ts")) & (unsynced == end - start)
    return data.lazyframe.select((pl.col("error_class") != STREAM_OUT_OF_SYNC) | well_formed.fill_null(False))


# checks across columns, per table
_TABLE_CHECKS = {
    RAW_ORDERBOOKS.name: [pa.Check(_valid_iff_no_reason, error="is_valid must be true exactly when invalid_reason is null")],
    RAW_FETCH_ERRORS.name: [pa.Check(
        _stream_out_of_sync_well_formed,
        error=f"a {STREAM_OUT_OF_SYNC} row must be of orderbooks with message 'cause=<cause> unsynced_ms=<to - from> "
              "from=<ms> to=<received_ts>'")],
}


@lru_cache(maxsize=None)
def lake_model(table_name: str) -> pa.DataFrameSchema:
    """The pandera schema of one lake table (strict: no column beyond it, in its order)."""
    table: LakeTable = LAKE[table_name]
    columns = {c.name: pa.Column(c.dtype, nullable=c.nullable and c.name not in table.keys, unique=c.unique,
                                 checks=_checks(c))
               for c in table.columns}
    unique = ["exchange", *table.keys] if table.keys else None
    return pa.DataFrameSchema(columns, checks=_TABLE_CHECKS.get(table_name, []), strict=True, ordered=True,
                              unique=unique, name=table_name)


def check_lake_frame(table: str, frame: pl.DataFrame, row_files: Sequence[str]) -> None:
    """Validate `frame` against the lake model of `table`.

    `row_files[i]` is the landing file row i came from; a failure raises
    LakeSchemaError naming the column, the check, a few bad values and the
    landing files that hold them (and, per file, what its rows break).
    """
    try:
        lake_model(table).validate(frame, lazy=True)
    except (pa.errors.SchemaErrors, pa.errors.SchemaError) as error:
        raise LakeSchemaError(_describe(table, error, row_files), _per_file(error, row_files)) from None


def _per_file(error: Exception, row_files: Sequence[str]) -> dict[str, str]:
    """Landing file -> 'column 'side' fails isin(...): bad values [...]' for each failure case with a row;
    empty when any failure case has no row (then no file can be blamed alone)."""
    cases = getattr(error, "failure_cases", None)
    if not isinstance(cases, pl.DataFrame) or cases.is_empty() or cases["index"].null_count():
        return {}
    found: dict[str, dict[tuple[str, str], list[str]]] = {}
    for column, check, index, value in cases.select("column", "check", "index", "failure_case").iter_rows():
        if index >= len(row_files):
            return {}
        values = found.setdefault(row_files[index], {}).setdefault((str(column), str(check)), [])
        if len(values) < 5:
            values.append(str(value))
    return {file: "; ".join(f"column {column!r} fails {check}: bad values {values}"
                            for (column, check), values in checks.items())
            for file, checks in found.items()}


def _describe(table: str, error: Exception, row_files: Sequence[str]) -> str:
    cases = getattr(error, "failure_cases", None)
    if not isinstance(cases, pl.DataFrame) or cases.is_empty():
        files = sorted(set(row_files))
        return f"{table}: rows from {files} break the lake schema: {error}"
    lines = [f"{table}: landing rows break the lake schema (fix the writer of these files, then re-run):"]
    for (column, check), group in cases.group_by(["column", "check"], maintain_order=True):
        indexes = [i for i in group["index"].to_list() if i is not None]
        files = sorted({row_files[i] for i in indexes if i < len(row_files)})
        values = [str(v) for v in group["failure_case"].head(5).to_list()]
        where = f" in {files[:5]}" if files else ""
        lines.append(f"  column {column!r} fails {check}: bad values {values}{where}")
    return "\n".join(lines)
