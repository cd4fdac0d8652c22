"""Publish the dbt marts from warehouse.duckdb into PostgreSQL `analytics`, schema `marts`.

Per table, atomically (a reader sees the old table or the new one, never a missing or half-loaded
one): day-partitioned facts get the day deleted and re-inserted in one transaction; every other
table (and a fact published for the first time or whose columns changed) is loaded into a staging
table that replaces the live one in the same transaction. Re-publishing gives the same rows.

Only what changed is sent: each day (or whole table) carries a content fingerprint recorded in
`mmwatch_publish.published_parts` (mmwatch.serving.state); a part whose fingerprint and published
row count are unchanged is skipped (mode `unchanged`) unless `force`.

The alert ledger (mmwatch.alerts.ledger_schema, warehouse table alerts.alert_ledger) is served as
marts.alert_ledger, created empty from LEDGER_COLUMNS while the warehouse has none.
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

from mmwatch.alerts.ledger_schema import LEDGER_COLUMNS, LEDGER_SCHEMA, LEDGER_TABLE
from mmwatch.errors import ConfigError
from mmwatch.report import check_day
from mmwatch.serving import state
from mmwatch.serving.columns import Column, duckdb_columns, to_column
from mmwatch.serving.postgres import MARTS_SCHEMA, READER_ROLE, connect, ensure_database, ensure_schema_and_reader

# columns the dashboards filter on: each gets a btree index where the table has it
INDEXED_COLUMNS = ("day", "exchange", "symbol", "obligation_id", "mm_name")
_STAGE_PREFIX = "_next_"
_COPY_BLOCK = 1 << 20


@dataclass(frozen=True)
class MartTable:
    """A mart to publish; `day_partitioned` facts are re-sent one day at a time. `source_schema` is
    its schema in the warehouse; `empty_columns`, when given, create it empty if the warehouse lacks it."""

    name: str
    day_partitioned: bool
    source_schema: str = "main"
    empty_columns: tuple[Column, ...] = ()


ALERT_LEDGER = MartTable(LEDGER_TABLE, False, LEDGER_SCHEMA, tuple(to_column(name, duck) for name, duck, _, _ in LEDGER_COLUMNS))


@dataclass(frozen=True)
class Published:
    """What publishing one table did: `mode` is `day` (one day replaced), `swap` (whole table
    replaced), `unchanged` (same content as published, nothing sent) or `missing` (not in the
    warehouse, nothing sent)."""

    table: str
    mode: str
    rows: int
    seconds: float


def marts_from_manifest(manifest_path: str | Path) -> list[MartTable]:
    """Every model under dbt/models/marts, day-partitioned when incremental (dbt's manifest.json),
    and the alert ledger."""
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    marts = [
        MartTable(node["name"], node.get("config", {}).get("materialized") == "incremental")
        for node in manifest["nodes"].values()
        if node.get("resource_type") == "model" and node.get("fqn", [None, None])[1:2] == ["marts"]
    ]
    return sorted([*marts, ALERT_LEDGER], key=lambda mart: mart.name)


def _source(mart: MartTable) -> str:
    return f'"{mart.source_schema}"."{mart.name}"'


def _export_csv(duck: duckdb.DuckDBPyConnection, source: str | None, columns: list[Column], day: str | None, path: Path) -> None:
    """The rows as CSV at `path` (an empty file for a table created empty, `source` None)."""
    if source is None:
        path.write_bytes(b"")
        return
    where = f" where day = date '{day}'" if day else ""
    select = ", ".join(c.export_sql for c in columns)
    duck.execute(f"copy (select {select} from {source}{where}) to '{path}' (format csv, header false)")


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


def _replace_day(conn: psycopg.Connection, table: str, columns: list[Column], day: str, path: Path,
                 fingerprint: dict[str, state.Fingerprint]) -> int:
    target = sql.Identifier(MARTS_SCHEMA, table)
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"mmwatch.publish.{table}",))
        cur.execute(sql.SQL("delete from {} where day = %s").format(target), (day,))
        rows = _copy_into(cur, target, columns, path)
        state.record(cur, table, fingerprint, replace_all=False)
        return rows


def _swap_table(conn: psycopg.Connection, table: str, columns: list[Column], path: Path,
                fingerprints: dict[str, state.Fingerprint]) -> int:
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
        state.record(cur, table, fingerprints, replace_all=True)
    return rows


def _published_rows(conn: psycopg.Connection, table: str, day: str | None) -> int:
    target = sql.Identifier(MARTS_SCHEMA, table)
    if day is None:
        return conn.execute(sql.SQL("select count(*) from {}").format(target)).fetchone()[0]
    return conn.execute(sql.SQL("select count(*) from {} where day = %s").format(target), (day,)).fetchone()[0]


def _unchanged(conn: psycopg.Connection, table: str, wanted: dict[str, state.Fingerprint], day: str | None) -> bool:
    """True when the recorded fingerprints equal `wanted` and the published rows agree with them."""
    if day is not None:
        if state.recorded(conn, table, [day]) != wanted:
            return False
        return _published_rows(conn, table, day) == wanted[day].rows
    if state.recorded(conn, table) != wanted:
        return False
    return _published_rows(conn, table, None) == sum(fp.rows for fp in wanted.values())


def publish_table(duck: duckdb.DuckDBPyConnection, conn: psycopg.Connection, mart: MartTable, day: str | None,
                  workdir: Path, force: bool = False) -> Published:
    """Publish one mart: only `day` of a day-partitioned fact whose published columns are unchanged,
    else the whole table through a staging table swap; nothing when its content is already
    published (unless `force`)."""
    started = time.perf_counter()
    columns = duckdb_columns(duck, mart.name, mart.source_schema)
    source: str | None = _source(mart)
    if not columns and mart.empty_columns:
        columns, source = list(mart.empty_columns), None
    if not columns:
        return Published(mart.name, "missing", 0, 0.0)
    has_day = mart.day_partitioned and any(c.name == "day" for c in columns)
    same_shape = _published_columns(conn, mart.name) == [(c.name, c.pg_type) for c in columns]
    by_day = has_day and day is not None and same_shape
    if source is None:
        wanted = state.empty_fingerprint(columns)
    else:
        wanted = state.warehouse_fingerprints(duck, source, columns, day if by_day else None, has_day)
    if by_day:
        wanted = wanted or {day: state.Fingerprint(0, "")}  # the day has no rows (any more)
    if same_shape and not force and _unchanged(conn, mart.name, wanted, day if by_day else None):
        return Published(mart.name, "unchanged", 0, time.perf_counter() - started)
    path = workdir / f"{mart.name}.csv"
    _export_csv(duck, source, columns, day if by_day else None, path)
    if by_day:
        rows, mode = _replace_day(conn, mart.name, columns, day, path, wanted), "day"
    else:
        rows, mode = _swap_table(conn, mart.name, columns, path, wanted), "swap"
    path.unlink()
    return Published(mart.name, mode, rows, time.perf_counter() - started)


def publish_marts(warehouse: str | Path, dsn: str, marts: Sequence[MartTable], day: str | None = None,
                  database: str = "analytics", force: bool = False) -> list[Published]:
    """Publish `marts` from the DuckDB file `warehouse` (opened read-only) into `database` on the
    server of `dsn` (created when missing), schema `marts`, readable by role `metabase_reader`.

    `day` (YYYY-MM-DD) limits day-partitioned facts to that day; None re-sends every table whole.
    Parts already published with the same content are skipped unless `force`.
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
        state.ensure_state_table(conn)
        return [publish_table(duck, conn, mart, day, Path(workdir), force) for mart in marts]
