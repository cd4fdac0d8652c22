"""Day-partitioned facts are PostgreSQL partitions: a plain table left by an older publisher is
migrated, a day is swapped as a new partition (the other days untouched), Metabase's role sees only
the parent; a failed export rolls the day's swap back."""
from __future__ import annotations

import shutil
from datetime import date, timedelta

import duckdb
import psycopg
import pytest

from mmwatch.serving.columns import duckdb_columns
from mmwatch.serving.export import csv_rows
from mmwatch.serving.day_partitions import PARTITIONS_SCHEMA, replace_day
from mmwatch.serving.postgres import with_database
from mmwatch.serving.publish import MartTable, publish_marts
from mmwatch.serving.state import Fingerprint

TABLE = "fct_orderbook_snapshot_metrics"


def _partitions(pg) -> dict[str, int]:
    """partition name -> its oid, of marts.TABLE."""
    return dict(pg.execute(
        "select c.relname, c.oid::int from pg_inherits i join pg_class c on c.oid = i.inhrelid "
        "where i.inhparent = %s::regclass", (f"marts.{TABLE}",)).fetchall())


def _leftovers(pg) -> list[str]:
    return [r[0] for r in pg.execute(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname in ('marts', %s) and (c.relname like '%%\\_\\_next%%' or c.relname like '\\_next\\_%%')",
        (PARTITIONS_SCHEMA,)).fetchall()]


def test_plain_table_is_migrated_then_days_are_swapped_as_partitions(built_day, pg_dsn, throwaway_database, tmp_path):
    day, built = built_day
    next_day = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(built, warehouse)
    with duckdb.connect(str(warehouse)) as duck:  # a second day: the same rows a day later
        duck.execute(f"insert into {TABLE} select * replace (day + 1 as day, minute + interval 1 day as minute) "
                     f"from {TABLE} where day = date '{day}'")
        rows_per_day = duck.execute(f"select count(*) from {TABLE} where day = date '{day}'").fetchone()[0]
    database = throwaway_database()
    dsn = with_database(pg_dsn, database)

    # an older publisher served the fact as a plain table
    assert [p.mode for p in publish_marts(warehouse, pg_dsn, [MartTable(TABLE, False)], None, database=database)] == ["swap"]
    with psycopg.connect(dsn) as pg:
        assert pg.execute("select relkind from pg_class where oid = %s::regclass", (f"marts.{TABLE}",)).fetchone() == ("r",)

    marts = [MartTable(TABLE, True)]
    migrated = publish_marts(warehouse, pg_dsn, marts, day, database=database)
    assert [(p.mode, p.rows) for p in migrated] == [("swap", 2 * rows_per_day)]  # whole table, both days
    with psycopg.connect(dsn) as pg:
        assert pg.execute("select relkind from pg_class where oid = %s::regclass", (f"marts.{TABLE}",)).fetchone() == ("p",)
        before = _partitions(pg)
        assert set(before) == {f"{TABLE}__{d.replace('-', '')}" for d in (day, next_day)}

    forced = publish_marts(warehouse, pg_dsn, marts, next_day, database=database, force=True)
    assert [(p.mode, p.rows) for p in forced] == [("day", rows_per_day)]
    with psycopg.connect(dsn) as pg:
        after = _partitions(pg)
        first, second = (f"{TABLE}__{d.replace('-', '')}" for d in (day, next_day))
        assert after[first] == before[first]  # the other day was not touched
        assert after[second] != before[second]  # a new partition replaced the day
        assert pg.execute(f"select day::text, count(*) from marts.{TABLE} group by 1 order by 1").fetchall() == [
            (day, rows_per_day), (next_day, rows_per_day)]
        assert _leftovers(pg) == []
        indexes = {r[0] for r in pg.execute("select indexname from pg_indexes where schemaname = %s and tablename = %s",
                                            (PARTITIONS_SCHEMA, second)).fetchall()}
        assert {f"{second}_day_idx", f"{second}_exchange_idx", f"{second}_symbol_idx"} <= indexes
        # Metabase's role reads the parent, and has no way into the partitions' schema
        assert pg.execute("select has_schema_privilege('metabase_reader', %s, 'usage')", (PARTITIONS_SCHEMA,)).fetchone() == (False,)
        pg.execute("set role metabase_reader")
        assert pg.execute(f"select count(*) from marts.{TABLE}").fetchone() == (2 * rows_per_day,)


def test_a_failed_export_leaves_the_published_day_as_it_was(built_day, pg_dsn, throwaway_database):
    day, warehouse = built_day
    database = throwaway_database()
    publish_marts(warehouse, pg_dsn, [MartTable(TABLE, True)], day, database=database)
    with duckdb.connect(str(warehouse), read_only=True) as duck, psycopg.connect(with_database(pg_dsn, database)) as pg:
        columns = duckdb_columns(duck, TABLE)
        before = (_partitions(pg), pg.execute(f"select count(*) from marts.{TABLE}").fetchone())

        def broken_export(part_day):  # DuckDB fails after the COPY into PostgreSQL has begun
            return csv_rows(duck, '"main"."no_such_table"', columns, part_day)

        with pytest.raises(duckdb.CatalogException):
            replace_day(pg, TABLE, columns, day, broken_export, {day: Fingerprint(0, "")})
        assert (_partitions(pg), pg.execute(f"select count(*) from marts.{TABLE}").fetchone()) == before
        assert before[1] == (1440,) and _leftovers(pg) == []
