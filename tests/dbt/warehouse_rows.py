"""Every table of a warehouse read back, and two builds' rows compared, for the tests that check that
two ways to the same data give the same marts (appending refreshes, lake compaction)."""
from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

from dbt_harness import query

BOOKKEEPING = ("_lake_files", "_mart_refreshes")  # the refresh machinery's own tables


def _exact(row: dict) -> tuple:
    return tuple(repr(value) for value in row.values() if not isinstance(value, float))


def table_rows(data_dir: Path, skip: Iterable[str] = BOOKKEEPING) -> dict[str, list[dict]]:
    """Every row of every table dbt built (all days) but `skip`, ordered by their values other than doubles."""
    skipped = set(skip)
    names = [row["table_name"] for row in query(
        data_dir, "select table_name from information_schema.tables where table_schema = 'main' "
        "and table_type = 'BASE TABLE' order by 1")]
    return {name: sorted(query(data_dir, f'select * from "{name}"'), key=_exact)
            for name in names if name not in skipped}


def same_rows(rows: list[dict], expected: list[dict]) -> bool:
    """Equal rows; doubles equal to 1e-12 relative: a sum of doubles can differ in its last bits with
    the order rows are added in, which no build fixes (two whole-day builds can differ the same way)."""
    return len(rows) == len(expected) and all(
        row.keys() == other.keys() and all(
            math.isclose(value, other[key], rel_tol=1e-12, abs_tol=1e-12)
            if isinstance(value, float) and isinstance(other[key], float) else value == other[key]
            for key, value in row.items())
        for row, other in zip(rows, expected))
