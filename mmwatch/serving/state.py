"""What was published: a content fingerprint per table and day, kept in PostgreSQL beside the marts.

The publisher compares the warehouse's fingerprint of a day (or of a whole table) with the one
recorded when it was last sent, and skips what has not changed. The state lives in schema
`mmwatch_publish` (not readable by Metabase) and is written in the same transaction as the rows
it describes, so it never claims rows that were not committed.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import duckdb
import psycopg
from psycopg import sql

from mmwatch.serving.columns import Column

STATE_SCHEMA = "mmwatch_publish"
STATE_TABLE = "published_parts"
WHOLE_TABLE = "*"  # the part name of a table published whole (not by day)


@dataclass(frozen=True)
class Fingerprint:
    """Rows and an order-independent content hash (column names and types included) of one part."""

    rows: int
    content_hash: str


def ensure_state_table(conn: psycopg.Connection) -> None:
    """Create the state table when missing."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('mmwatch.serving.state'))")
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(STATE_SCHEMA)))
        conn.execute(sql.SQL(
            "create table if not exists {} (table_name text not null, part text not null, row_count bigint not null, "
            "content_hash text not null, published_at timestamptz not null default now(), primary key (table_name, part))"
        ).format(sql.Identifier(STATE_SCHEMA, STATE_TABLE)))


def _digest(columns: list[Column], row_hash_sum: object) -> str:
    signature = ";".join(f"{c.name}:{c.pg_type}" for c in columns)
    return hashlib.sha256(f"{signature}|{row_hash_sum}".encode()).hexdigest()


def warehouse_fingerprints(duck: duckdb.DuckDBPyConnection, source: str, columns: list[Column],
                           day: str | None, by_day: bool) -> dict[str, Fingerprint]:
    """Fingerprints of `source` (a quoted schema.table) in DuckDB: per day when `by_day` (only `day`
    when given; a day without rows is absent), else one for the whole table."""
    row_hash = "hash(" + ", ".join(f'"{c.name}"' for c in columns) + ")"
    if not by_day:
        rows, total = duck.execute(f"select count(*), coalesce(sum({row_hash}), 0)::varchar from {source}").fetchone()
        return {WHOLE_TABLE: Fingerprint(rows, _digest(columns, total))}
    where = f" where day = date '{day}'" if day else ""
    found = duck.execute(
        f"select strftime(day, '%Y-%m-%d'), count(*), sum({row_hash})::varchar from {source}{where} group by 1"
    ).fetchall()
    return {part: Fingerprint(rows, _digest(columns, total)) for part, rows, total in found}


def empty_fingerprint(columns: list[Column]) -> dict[str, Fingerprint]:
    """The fingerprint of a table created empty."""
    return {WHOLE_TABLE: Fingerprint(0, _digest(columns, 0))}


def recorded(conn: psycopg.Connection, table: str, parts: list[str] | None = None) -> dict[str, Fingerprint]:
    """The fingerprints recorded for `table` (only `parts` when given)."""
    query = sql.SQL("select part, row_count, content_hash from {} where table_name = %s").format(
        sql.Identifier(STATE_SCHEMA, STATE_TABLE))
    found = conn.execute(query, (table,)).fetchall()
    return {part: Fingerprint(rows, digest) for part, rows, digest in found if parts is None or part in parts}


def record(cur: psycopg.Cursor, table: str, parts: dict[str, Fingerprint], replace_all: bool) -> None:
    """Record `parts` of `table` (inside the caller's transaction); `replace_all` forgets the others."""
    target = sql.Identifier(STATE_SCHEMA, STATE_TABLE)
    if replace_all:
        cur.execute(sql.SQL("delete from {} where table_name = %s").format(target), (table,))
    else:
        cur.execute(sql.SQL("delete from {} where table_name = %s and part = any(%s)").format(target), (table, list(parts)))
    cur.executemany(
        sql.SQL("insert into {} (table_name, part, row_count, content_hash) values (%s, %s, %s, %s)").format(target),
        [(table, part, fp.rows, fp.content_hash) for part, fp in parts.items()],
    )
