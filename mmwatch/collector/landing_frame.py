"""Landing rows (dicts) into a Polars frame of the data set's landing schema, column by column.

`pl.DataFrame(rows, schema=...)` reads the rows' Python objects inside one native call that holds
the GIL throughout: a minute of one venue's streamed books (1,320 rows × 200 level dicts) kept the
collector's event loop from running for ~80–170 ms, once per venue per flush, which is what a
sampler due in that span waits (benchmarks/bench_stream.py; docs/benchmarks.md 'Issue 17').
Here the Python objects are read by plain Python loops (the interpreter hands the GIL over every
few milliseconds) into flat lists, and Arrow builds each column from those in one short call:
equal frames (tests/collector/test_landing_frame.py), faster, and the loop waits ≤ ~10 ms.
"""
from __future__ import annotations

from typing import Any

import polars as pl
import pyarrow as pa


def landing_frame(rows: list[dict[str, Any]], schema: pl.Schema) -> pl.DataFrame:
    """The frame of `rows` with exactly `schema` (a missing key or None is null, as pl.DataFrame does);
    a list of structs (order-book levels) may hold dicts by field name or tuples in field order."""
    columns = [_column(rows, name, dtype) for name, dtype in schema.items()]
    return pl.DataFrame(columns)


def _column(rows: list[dict[str, Any]], name: str, dtype: pl.DataType) -> pl.Series:
    if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct):
        return _list_of_structs(rows, name, dtype)
    return pl.Series(name, [row.get(name) for row in rows], dtype=dtype)


def _list_of_structs(rows: list[dict[str, Any]], name: str, dtype: pl.List) -> pl.Series:
    """A list<struct> column (order-book levels) from flat per-field lists and list offsets."""
    fields = [field.name for field in dtype.inner.fields]
    values: dict[str, list] = {field: [] for field in fields}
    offsets, valid, count = [0], [], 0
    for row in rows:
        items = row.get(name)
        valid.append(items is not None)
        if items and not isinstance(items[0], dict):  # tuples in the fields' order (rows.Level)
            for field, column in zip(fields, zip(*items), strict=True):
                values[field].extend(column)
        else:
            for item in items or ():
                for field in fields:
                    values[field].append(item.get(field))
        count += len(items or ())
        offsets.append(count)
    arrow_inner = pl.Series(dtype=dtype.inner).to_arrow().type  # the struct's Arrow type, polars' own mapping
    children = [pa.array(values[field], type=arrow_inner.field(field).type) for field in fields]
    structs = pa.StructArray.from_arrays(children, fields=list(arrow_inner))
    mask = None if all(valid) else pa.array([not ok for ok in valid])
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), structs, mask=mask)
    return pl.Series(name, lists).cast(dtype)
