"""Publishing a built day into the real PostgreSQL: same values as DuckDB, atomic swaps, idempotent."""
from __future__ import annotations

import threading
from decimal import Decimal

import duckdb
import psycopg
import pytest

from mmwatch.serving.postgres import with_database
from mmwatch.serving.publish import marts_from_manifest, publish_marts


def _normalized(rows) -> list[tuple]:
    def value(v):
        if isinstance(v, Decimal):
            return int(v) if v == v.to_integral_value() else float(v)
        return v
    return sorted((tuple(value(v) for v in row) for row in rows), key=repr)


@pytest.fixture(scope="module")
def marts(dbt_manifest):
    return marts_from_manifest(dbt_manifest)


def test_marts_come_from_the_manifest(marts):
    by_name = {mart.name: mart for mart in marts}
    assert {"fct_mm_compliance_daily", "fct_mm_breach_episodes", "fct_orderbook_snapshot_metrics", "dim_obligations"} <= set(by_name)
    assert by_name["fct_orderbook_snapshot_metrics"].day_partitioned and not by_name["dim_obligations"].day_partitioned


def test_published_marts_equal_duckdb(built_day, marts, pg_dsn, throwaway_database):
    day, warehouse = built_day
    database = throwaway_database()
    done = {p.table: p for p in publish_marts(warehouse, pg_dsn, marts, day, database=database)}
    assert done["fct_mm_compliance_daily"].mode == "swap"  # first publish: whole table
    assert done["fct_orderbook_snapshot_metrics"].rows == 1440
    with duckdb.connect(str(warehouse), read_only=True) as duck, psycopg.connect(with_database(pg_dsn, database)) as pg:
        for mart in marts:
            if done[mart.name].mode == "missing":
                continue
            if mart.name == "alert_ledger":
                continue  # not in this warehouse: created empty (test_the_alert_ledger_is_served_empty_then_with_rows)
            expected = duck.execute(f'select * from main."{mart.name}"').fetchall()
            published = pg.execute(f'select * from marts."{mart.name}"').fetchall()
            assert _normalized(published) == _normalized(expected), mart.name
        uptime = dict(pg.execute("select obligation_id, uptime_pct from marts.fct_mm_compliance_daily where day = %s", (day,)).fetchall())
        # minutes 0..359 of 1,440 are breached
        assert uptime == {"ob-lenient": pytest.approx(75.0), "ob-strict": pytest.approx(75.0)}
        verdicts = dict(pg.execute("select obligation_id, verdict from marts.fct_mm_compliance_daily").fetchall())
        assert verdicts == {"ob-lenient": "pass", "ob-strict": "fail"}
        indexes = {r[0] for r in pg.execute("select indexname from pg_indexes where schemaname = 'marts'").fetchall()}
        assert {"fct_mm_compliance_daily_day_idx", "fct_mm_compliance_daily_obligation_id_idx",
                "fct_orderbook_snapshot_metrics_symbol_idx", "dim_obligations_mm_name_idx"} <= indexes
        reader = pg.execute("select rolcanlogin from pg_roles where rolname = 'metabase_reader'").fetchone()
        assert reader is not None
        settings = pg.execute("select setconfig from pg_db_role_setting where setrole = 'metabase_reader'::regrole").fetchone()
        assert "work_mem=64MB" in settings[0]
        assert pg.execute("select has_table_privilege('metabase_reader', 'marts.fct_mm_compliance_daily', 'select'), "
                          "has_table_privilege('metabase_reader', 'marts.fct_mm_compliance_daily', 'insert')").fetchone() == (True, False)


def test_republishing_a_day_twice_gives_the_same_rows(built_day, marts, pg_dsn, throwaway_database):
    day, warehouse = built_day
    database = throwaway_database()
    tables = [m.name for m in marts]

    def snapshot():
        with psycopg.connect(with_database(pg_dsn, database)) as pg:
            return {t: _normalized(pg.execute(f'select * from marts."{t}"').fetchall()) for t in tables if _exists(pg, t)}

    publish_marts(warehouse, pg_dsn, marts, day, database=database)
    first = snapshot()
    second_run = {p.table: p.mode for p in publish_marts(warehouse, pg_dsn, marts, day, database=database)}
    # same content: nothing re-sent
    assert {m for m in second_run.values()} <= {"unchanged", "missing"} and second_run["dim_obligations"] == "unchanged"
    assert snapshot() == first
    forced = {p.table: p.mode for p in publish_marts(warehouse, pg_dsn, marts, day, database=database, force=True)}
    assert forced["fct_orderbook_snapshot_metrics"] == "day" and forced["dim_obligations"] == "swap"
    assert snapshot() == first and len(first["fct_orderbook_snapshot_metrics"]) == 1440


def _exists(pg, table: str) -> bool:
    return pg.execute("select to_regclass(%s)", (f"marts.{table}",)).fetchone()[0] is not None


def test_a_reader_never_sees_a_missing_or_partial_table(built_day, marts, pg_dsn, throwaway_database):
    day, warehouse = built_day
    database = throwaway_database()
    publish_marts(warehouse, pg_dsn, marts, day, database=database)
    dsn = with_database(pg_dsn, database)
    with psycopg.connect(dsn) as pg:
        tables = {m.name for m in marts if _exists(pg, m.name)}
        expected = {t: pg.execute(f'select count(*) from marts."{t}"').fetchone()[0] for t in tables}
    seen: list[tuple[str, object]] = []
    stop = threading.Event()

    def read_loop():
        with psycopg.connect(dsn, autocommit=True) as reader:
            while not stop.is_set():
                for table in sorted(tables):
                    try:
                        seen.append((table, reader.execute(f'select count(*) from marts."{table}"').fetchone()[0]))
                    except psycopg.Error as error:
                        seen.append((table, repr(error)))

    thread = threading.Thread(target=read_loop)
    thread.start()
    try:
        for round_day in (None, day, None, day):  # whole-table swaps and day replacements
            publish_marts(warehouse, pg_dsn, marts, round_day, database=database, force=True)
    finally:
        stop.set()
        thread.join()
    wrong = [(table, got) for table, got in seen if got != expected[table]]
    assert len(seen) > 2 * len(tables) and wrong == []
