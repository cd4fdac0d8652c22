"""Publish the dbt marts from warehouse.duckdb into PostgreSQL `analytics`, schema `marts`.

Per table, atomically (a reader sees the old table or the new one, never a missing or half-loaded
one): day-partitioned facts get the day deleted and re-inserted in one transaction; every other
table (and a fact published for the first time or whose columns changed) is loaded into a staging
table that replaces the live one in the same transaction. Re-publishing gives the same rows.
"""
from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from mmwatch.errors import ConfigError
from mmwatch.report import check_day
from mmwatch.serving.columns import Column, duckdb_columns
from mmwatch.serving.postgres import MARTS_SCHEMA, READER_ROLE, connect, ensure_database, ensure_schema_and_reader

# columns the dashboards filter on: each gets a btree index where the table has it
INDEXED_COLUMNS = ("day", "exchange", "symbol", "obligation_id", "mm_name")
_STAGE_PREFIX = "_next_"
_COPY_BLOCK = 1 << 20


@dataclass(frozen=True)
class MartTable:
    """A mart to publish; `day_partitioned` facts are re-sent one day at a time."""

    name: str
    day_partitioned: bool


@dataclass(frozen=True)
class Published:
    """What publishing one table did: `mode` is `day` (one day replaced), `swap` (whole table
    replaced) or `missing` (not in the warehouse, nothing sent)."""

    table: str
    mode: str
    rows: int
    seconds: float


def marts_from_manifest(manifest_path: str | Path) -> list[MartTable]:
    """Every model under dbt/models/marts, day-partitioned when incremental (dbt's manifest.json)."""
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    marts = [
        MartTable(node["name"], node.get("config", {}).get("materialized") == "incremental")
        for node in manifest["nodes"].values()
        if node.get("resource_type") == "model" and node.get("fqn", [None, None])[1:2] == ["marts"]
    ]
    return sorted(marts, key=lambda mart: mart.name)


def _export_csv(duck: duckdb.DuckDBPyConnection, table: str, columns: list[Column], day: str | None, path: Path) -> None:
    where = f" where day = date '{day}'" if day else ""
    select = ", ".join(c.export_sql for c in columns)
    duck.execute(f"copy (select {select} from main.\"{table}\"{where}) to '{path}' (format csv, header false)")


def _copy_into(cur: psycopg.Cursor, target: sql.Composable, columns: list[Column], path: Path) -> int:
    names = sql.SQL(", ").join(sql.Identifier(c.name) for c in columns)
    with path.open("rb") as source, cur.copy(sql.SQL("copy {} ({}) from stdin (format csv)").format(target, names)) as copy:
        while block := source.read(_COPY_BLOCK):
            copy.write(block)
    return cur.rowcount


def _published_columns(conn: psycopg.Connection, table: str) -> list[tuple[str, str]]:
    return conn.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
        "join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relname = %s and a.attnum > 0 and not a.attisdropped order by a.attnum",
        (MARTS_SCHEMA, table),
    ).fetchall()


def _replace_day(conn: psycopg.Connection, table: str, columns: list[Column], day: str, path: Path) -> int:
    target = sql.Identifier(MARTS_SCHEMA, table)
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"mmwatch.publish.{table}",))
        cur.execute(sql.SQL("delete from {} where day = %s").format(target), (day,))
        return _copy_into(cur, target, columns, path)


def _swap_table(conn: psycopg.Connection, table: str, columns: list[Column], path: Path) -> int:
    stage = f"{_STAGE_PREFIX}{table}"
    indexed = [c.name for c in columns if c.name in INDEXED_COLUMNS]
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"mmwatch.publish.{table}",))
        cur.execute(sql.SQL("drop table if exists {}").format(sql.Identifier(MARTS_SCHEMA, stage)))
        definition = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.pg_type)) for c in columns)
        cur.execute(sql.SQL("create table {} ({})").format(sql.Identifier(MARTS_SCHEMA, stage), definition))
        rows = _copy_into(cur, sql.Identifier(MARTS_SCHEMA, stage), columns, path)
        for column in indexed:
            cur.execute(sql.SQL("create index {} on {} ({})").format(
                sql.Identifier(f"{stage}_{column}_idx"), sql.Identifier(MARTS_SCHEMA, stage), sql.Identifier(column)))
        cur.execute(sql.SQL("analyze {}").format(sql.Identifier(MARTS_SCHEMA, stage)))
        # the swap: readers wait on the lock for these statements only, then see the new table
        cur.execute(sql.SQL("drop table if exists {}").format(sql.Identifier(MARTS_SCHEMA, table)))
        cur.execute(sql.SQL("alter table {} rename to {}").format(sql.Identifier(MARTS_SCHEMA, stage), sql.Identifier(table)))
        for column in indexed:
            cur.execute(sql.SQL("alter index {} rename to {}").format(
                sql.Identifier(MARTS_SCHEMA, f"{stage}_{column}_idx"), sql.Identifier(f"{table}_{column}_idx")))
        cur.execute(sql.SQL("grant select on {} to {}").format(sql.Identifier(MARTS_SCHEMA, table), sql.Identifier(READER_ROLE)))
    return rows


def publish_table(duck: duckdb.DuckDBPyConnection, conn: psycopg.Connection, mart: MartTable, day: str | None, workdir: Path) -> Published:
    """Publish one mart: only `day` of a day-partitioned fact whose published columns are unchanged,
    else the whole table through a staging table swap."""
    started = time.perf_counter()
    columns = duckdb_columns(duck, mart.name)
    if not columns:
        return Published(mart.name, "missing", 0, 0.0)
    by_day = mart.day_partitioned and day is not None and any(c.name == "day" for c in columns)
    same_shape = _published_columns(conn, mart.name) == [(c.name, c.pg_type) for c in columns]
    path = workdir / f"{mart.name}.csv"
    if by_day and same_shape:
        _export_csv(duck, mart.name, columns, day, path)
        rows, mode = _replace_day(conn, mart.name, columns, day, path), "day"
    else:
        _export_csv(duck, mart.name, columns, None, path)
        rows, mode = _swap_table(conn, mart.name, columns, path), "swap"
    path.unlink()
    return Published(mart.name, mode, rows, time.perf_counter() - started)


def publish_marts(warehouse: str | Path, dsn: str, marts: Sequence[MartTable], day: str | None = None,
                  database: str = "analytics") -> list[Published]:
    """Publish `marts` from the DuckDB file `warehouse` (opened read-only) into `database` on the
    server of `dsn` (created when missing), schema `marts`, readable by role `metabase_reader`.

    `day` (YYYY-MM-DD) limits day-partitioned facts to that day; None re-sends every table whole.
    """
    if day is not None:
        check_day(day)
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise ConfigError(f"warehouse {warehouse} does not exist: build the marts first (`mmwatch build --date <day>`)")
    analytics = ensure_database(dsn, database)
    with duckdb.connect(str(warehouse), read_only=True) as duck, connect(analytics) as conn, \
            tempfile.TemporaryDirectory(prefix="mmwatch-publish-") as workdir:
        duck.execute("set TimeZone = 'UTC'")
        ensure_schema_and_reader(conn)
        return [publish_table(duck, conn, mart, day, Path(workdir)) for mart in marts]
