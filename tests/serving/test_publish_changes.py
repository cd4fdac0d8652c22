"""Only changed parts are re-sent: a day edited in the warehouse goes out again, the others do not;
the alert ledger is served empty until the warehouse has one."""
from __future__ import annotations

import shutil

import duckdb
import psycopg

from mmwatch.alerts.ledger_schema import LEDGER_COLUMNS, duckdb_ddl
from mmwatch.serving.postgres import with_database
from mmwatch.serving.publish import ALERT_LEDGER, MartTable, publish_marts

SNAPSHOTS = MartTable("fct_orderbook_snapshot_metrics", True)
OBLIGATIONS = MartTable("dim_obligations", False)


def test_an_edited_day_is_re_sent_and_an_untouched_table_is_not(built_day, pg_dsn, throwaway_database, tmp_path):
    day, built = built_day
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(built, warehouse)
    database = throwaway_database()
    marts = [SNAPSHOTS, OBLIGATIONS]
    assert {p.mode for p in publish_marts(warehouse, pg_dsn, marts, day, database=database)} == {"swap"}
    with duckdb.connect(str(warehouse)) as duck:  # one snapshot's spread changes, a row disappears
        duck.execute("update fct_orderbook_snapshot_metrics set spread_bps = 77 where minute = "
                     "(select min(minute) from fct_orderbook_snapshot_metrics)")
        duck.execute("delete from fct_orderbook_snapshot_metrics where minute = "
                     "(select max(minute) from fct_orderbook_snapshot_metrics)")
    again = {p.table: (p.mode, p.rows) for p in publish_marts(warehouse, pg_dsn, marts, day, database=database)}
    assert again == {"fct_orderbook_snapshot_metrics": ("day", 1439), "dim_obligations": ("unchanged", 0)}
    with psycopg.connect(with_database(pg_dsn, database)) as pg:
        assert pg.execute("select count(*), count(*) filter (where spread_bps = 77) "
                          "from marts.fct_orderbook_snapshot_metrics").fetchone() == (1439, 1)
        # a table emptied behind the publisher's back is re-sent although the state says published
        pg.execute("delete from marts.dim_obligations")
    healed = {p.table: p.mode for p in publish_marts(warehouse, pg_dsn, marts, day, database=database)}
    assert healed == {"fct_orderbook_snapshot_metrics": "unchanged", "dim_obligations": "swap"}


def test_the_alert_ledger_is_served_empty_then_with_rows(built_day, pg_dsn, throwaway_database, tmp_path):
    day, built = built_day
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(built, warehouse)
    database = throwaway_database()
    assert [(p.mode, p.rows) for p in publish_marts(warehouse, pg_dsn, [ALERT_LEDGER], day, database=database)] == [("swap", 0)]
    with psycopg.connect(with_database(pg_dsn, database)) as pg:
        columns = pg.execute("select column_name, data_type from information_schema.columns where table_schema = 'marts' "
                             "and table_name = 'alert_ledger' order by ordinal_position").fetchall()
    expected_types = {"text": "text", "date": "date", "timestamptz": "timestamp with time zone", "boolean": "boolean"}
    assert columns == [(name, expected_types[pg_type]) for name, _, pg_type, _ in LEDGER_COLUMNS]
    with duckdb.connect(str(warehouse)) as duck:
        duck.execute(duckdb_ddl())
        duck.execute(f"insert into alerts.alert_ledger (alert_id, alert_key, rule, route, day, exchange, symbol, market_type, "
                     f"severity, status, opened_at, last_seen_at, delivery_pending) values ('k@t', 'k', 'wide_spread', 'market', "
                     f"date '{day}', 'binance', 'BTC/USDT', 'spot', 'warning', 'open', timestamptz '{day} 01:00:00+00', "
                     f"timestamptz '{day} 01:05:00+00', false)")
    assert [(p.mode, p.rows) for p in publish_marts(warehouse, pg_dsn, [ALERT_LEDGER], day, database=database)] == [("swap", 1)]
    with psycopg.connect(with_database(pg_dsn, database)) as pg:
        assert pg.execute("select rule, status, opened_at::text from marts.alert_ledger").fetchall() == [
            ("wide_spread", "open", f"{day} 01:00:00+00")]
