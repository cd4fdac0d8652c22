"""PostgreSQL table plumbing shared by the plain and the day-partitioned publishing paths: column
definitions, COPY from a CSV file, indexes, and what a published table looks like."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import BinaryIO

import psycopg
from psycopg import sql

from mmwatch.serving.columns import Column
from mmwatch.serving.postgres import MARTS_SCHEMA, READER_ROLE

# columns the dashboards filter on: each gets a btree index where the table has it
INDEXED_COLUMNS = ("day", "exchange", "symbol", "obligation_id", "mm_name")
_COPY_BLOCK = 1 << 20
STAGE_PREFIX = "_next_"
# day (None: the whole table) -> a context giving that part's rows as a CSV stream (export.csv_rows)
RowsExport = Callable[[str | None], AbstractContextManager[BinaryIO]]  # marts._next_<table>: the table being loaded, swapped in when complete


def lock_publisher(cur: psycopg.Cursor, table: str) -> None:
    """Serialize publishers of one table for the transaction (readers are not affected)."""
    cur.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"mmwatch.publish.{table}",))


def swap_in(cur: psycopg.Cursor, table: str) -> None:
    """marts._next_<table> becomes marts.<table> (the old one dropped), readable by the reader role.
    Readers wait on the lock for these catalog statements only, then see the new table."""
    cur.execute(sql.SQL("drop table if exists {}").format(sql.Identifier(MARTS_SCHEMA, table)))
    rename_table_and_indexes(cur, MARTS_SCHEMA, f"{STAGE_PREFIX}{table}", table)
    cur.execute(sql.SQL("grant select on {} to {}").format(sql.Identifier(MARTS_SCHEMA, table), sql.Identifier(READER_ROLE)))


def column_definitions(columns: list[Column]) -> sql.Composable:
    return sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.pg_type)) for c in columns)


def indexed(columns: list[Column]) -> list[str]:
    """The columns of `columns` that get an index, in INDEXED_COLUMNS order."""
    names = {c.name for c in columns}
    return [name for name in INDEXED_COLUMNS if name in names]


def index_name(table: str, column: str) -> str:
    return f"{table}_{column}_idx"


def copy_into(cur: psycopg.Cursor, target: sql.Composable, columns: list[Column], rows_csv: BinaryIO,
              freeze: bool = False) -> int:
    """COPY the CSV stream `rows_csv` into `target`; `freeze` when the table was created in this
    transaction (rows are written already frozen: no later hint-bit rewrite). Returns the rows."""
    names = sql.SQL(", ").join(sql.Identifier(c.name) for c in columns)
    options = sql.SQL("format csv, freeze true" if freeze else "format csv")
    statement = sql.SQL("copy {} ({}) from stdin ({})").format(target, names, options)
    with cur.copy(statement) as copy:
        while block := rows_csv.read(_COPY_BLOCK):
            copy.write(block)
    return cur.rowcount


def create_indexes(cur: psycopg.Cursor, schema: str, table: str, columns: list[str]) -> None:
    """One btree index per column, named `<table>_<column>_idx` (on a partitioned table: an index
    on every partition too)."""
    for column in columns:
        cur.execute(sql.SQL("create index {} on {} ({})").format(
            sql.Identifier(index_name(table, column)), sql.Identifier(schema, table), sql.Identifier(column)))


def rename_table_and_indexes(cur: psycopg.Cursor, schema: str, table: str, new_name: str) -> None:
    """Rename `schema.table` to `new_name` and each of its single-column indexes to
    `<new_name>_<column>_idx` (whatever they were called)."""
    found = cur.execute(
        "select i.relname, a.attname from pg_index x join pg_class i on i.oid = x.indexrelid "
        "join pg_attribute a on a.attrelid = x.indrelid and a.attnum = x.indkey[0] "
        "where x.indrelid = %s::regclass and x.indnatts = 1",
        (sql.Identifier(schema, table).as_string(cur),),
    ).fetchall()
    cur.execute(sql.SQL("alter table {} rename to {}").format(sql.Identifier(schema, table), sql.Identifier(new_name)))
    for index, column in found:
        if index != index_name(new_name, column):
            cur.execute(sql.SQL("alter index {} rename to {}").format(
                sql.Identifier(schema, index), sql.Identifier(index_name(new_name, column))))


def published_shape(conn: psycopg.Connection, table: str) -> tuple[list[tuple[str, str]], bool]:
    """(columns as (name, type), partitioned?) of marts.`table`; no columns when it does not exist."""
    columns = conn.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
        "join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relname = %s and a.attnum > 0 and not a.attisdropped order by a.attnum",
        (MARTS_SCHEMA, table),
    ).fetchall()
    kind = conn.execute(
        "select c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relname = %s", (MARTS_SCHEMA, table),
    ).fetchone()
    return columns, kind is not None and kind[0] == "p"
