"""Day-partitioned facts as PostgreSQL declarative partitions: marts.<table> is partitioned by
LIST (day), one partition per day, kept in schema `marts_partitions` as `<table>__<yyyymmdd>`
(Metabase and the reader role see only the parent in `marts`; reading through the parent needs no
right on the partitions).

Replacing a day never deletes rows in place: the day is COPYed into a new table (created in the
same transaction, so rows are written frozen) with a CHECK constraint matching the partition bound
(so ATTACH skips its validation scan), its indexes built and statistics taken; only then, at the
end of the same transaction, the old partition is detached and dropped and the new one attached.
Readers wait for those few catalog statements and see the old day or the new one, never a partial one.
"""
from __future__ import annotations

import psycopg
from psycopg import sql

from mmwatch.serving import state
from mmwatch.serving.columns import Column
from mmwatch.serving.postgres import MARTS_SCHEMA
from mmwatch.serving.tables import (STAGE_PREFIX, RowsExport, column_definitions, copy_into, create_indexes, indexed, lock_publisher,
                                    rename_table_and_indexes, swap_in)

PARTITIONS_SCHEMA = "marts_partitions"
_STAGED = "__next"


def partition_name(table: str, day: str) -> str:
    return f"{table}__{day.replace('-', '')}"


def ensure_partitions_schema(conn: psycopg.Connection) -> None:
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('mmwatch.serving.day_partitions'))")
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(PARTITIONS_SCHEMA)))


def _stage_day(cur: psycopg.Cursor, table: str, columns: list[Column], day: str, export: RowsExport) -> int:
    """marts_partitions.<table>__<day>__next holding the day's rows, indexed and analyzed."""
    stage = partition_name(table, day) + _STAGED
    target = sql.Identifier(PARTITIONS_SCHEMA, stage)
    cur.execute(sql.SQL("drop table if exists {}").format(target))  # left by an interrupted run
    cur.execute(sql.SQL("create table {} ({}, check (day is not null and day = {}::date))").format(
        target, column_definitions(columns), sql.Literal(day)))
    with export(day) as rows_csv:
        rows = copy_into(cur, target, columns, rows_csv, freeze=True)
    create_indexes(cur, PARTITIONS_SCHEMA, stage, indexed(columns))
    cur.execute(sql.SQL("analyze {}").format(target))
    return rows


def _attach(cur: psycopg.Cursor, parent: sql.Identifier, table: str, day: str) -> None:
    staged = sql.Identifier(PARTITIONS_SCHEMA, partition_name(table, day) + _STAGED)
    cur.execute(sql.SQL("alter table {} attach partition {} for values in ({}::date)").format(parent, staged, sql.Literal(day)))


def _promote(cur: psycopg.Cursor, table: str, day: str) -> None:
    rename_table_and_indexes(cur, PARTITIONS_SCHEMA, partition_name(table, day) + _STAGED, partition_name(table, day))


def replace_day(conn: psycopg.Connection, table: str, columns: list[Column], day: str, export: RowsExport,
                fingerprint: dict[str, state.Fingerprint]) -> int:
    """Swap the partition of `day` of marts.`table` (already partitioned, same columns) for the
    rows `export(day)` gives; record `fingerprint` in the same transaction. Returns the rows."""
    parent = sql.Identifier(MARTS_SCHEMA, table)
    live = sql.Identifier(PARTITIONS_SCHEMA, partition_name(table, day))
    with conn.transaction(), conn.cursor() as cur:
        lock_publisher(cur, table)
        rows = _stage_day(cur, table, columns, day, export)
        # the swap: from here to the commit readers of the table wait (catalog changes only)
        attached = cur.execute("select 1 from pg_inherits where inhrelid = to_regclass(%s) and inhparent = %s::regclass",
                               (live.as_string(cur), parent.as_string(cur))).fetchone()
        if attached:
            cur.execute(sql.SQL("alter table {} detach partition {}").format(parent, live))
        cur.execute(sql.SQL("drop table if exists {}").format(live))
        _attach(cur, parent, table, day)
        _promote(cur, table, day)
        state.record(cur, table, fingerprint, replace_all=False)
    return rows


def swap_partitioned_table(conn: psycopg.Connection, table: str, columns: list[Column],
                           fingerprints: dict[str, state.Fingerprint], export: RowsExport) -> int:
    """Replace marts.`table` (missing, plain, or partitioned with other columns) by a new table
    partitioned by day holding every day of `fingerprints` (rows from `export(day)`); readers see
    the old table until the commit. Returns the rows."""
    stage = f"{STAGE_PREFIX}{table}"
    parent = sql.Identifier(MARTS_SCHEMA, stage)
    rows = 0
    with conn.transaction(), conn.cursor() as cur:
        lock_publisher(cur, table)
        cur.execute(sql.SQL("drop table if exists {}").format(parent))
        cur.execute(sql.SQL("create table {} ({}) partition by list (day)").format(parent, column_definitions(columns)))
        create_indexes(cur, MARTS_SCHEMA, stage, indexed(columns))  # instant: no partitions yet
        for day in sorted(fingerprints):
            rows += _stage_day(cur, table, columns, day, export)
            _attach(cur, parent, table, day)
        swap_in(cur, table)
        for day in fingerprints:
            _promote(cur, table, day)
        state.record(cur, table, fingerprints, replace_all=True)
    return rows

