"""metabase_reader reads and creates nothing (issue 15): before, it could CREATE TEMP TABLE in the
analytics database (PostgreSQL grants TEMPORARY to PUBLIC on every database). On the real local
PostgreSQL, after publishing into a fresh database."""
from __future__ import annotations

import duckdb
import psycopg
import pytest

from mmwatch.serving.postgres import READER_ROLE, with_database
from mmwatch.serving.publish import publish_marts


def test_the_reader_can_create_no_temporary_table(pg_dsn, throwaway_database, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    database = throwaway_database()
    publish_marts(warehouse, pg_dsn, [], "2026-11-20", database=database)
    with psycopg.connect(with_database(pg_dsn, database), autocommit=True) as pg:
        assert pg.execute("select has_database_privilege(%s, current_database(), 'TEMPORARY'), "
                          "has_schema_privilege(%s, 'public', 'CREATE'), has_schema_privilege(%s, 'marts', 'USAGE')",
                          (READER_ROLE, READER_ROLE, READER_ROLE)).fetchone() == (False, False, True)
        pg.execute(f"set role {READER_ROLE}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="temporary tables"):
            pg.execute("create temp table scratch (x int)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            pg.execute("create table public.scratch (x int)")
        assert pg.execute("select count(*) from information_schema.tables where table_schema = 'marts'").fetchone()
