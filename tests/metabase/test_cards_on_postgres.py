"""Every card's SQL, with its default filter values substituted as Metabase would, on the real
PostgreSQL after publishing a built day; the scorecard's numbers equal fct_mm_compliance_daily in DuckDB.

The day built here (tests/serving's built_day: one binance market, two obligations) has the
compliance marts, the snapshot metrics and dim_obligations; cards over marts that day lacks are
reported as skipped rather than run against nothing.
"""
from __future__ import annotations

import duckdb
import psycopg
import pytest

from mmwatch.metabase.content import load_content
from mmwatch.metabase.render import render_sql
from mmwatch.serving.postgres import with_database
from mmwatch.serving.publish import marts_from_manifest, publish_marts

CONTENT = load_content()
WITH_ROWS_THAT_DAY = {"fct_mm_compliance_daily", "fct_mm_compliance_monthly", "fct_mm_breach_episodes", "dim_obligations"}


@pytest.fixture(scope="module")
def published(built_day, dbt_manifest, pg_dsn, throwaway_database):
    day, warehouse = built_day
    database = throwaway_database()
    done = publish_marts(warehouse, pg_dsn, marts_from_manifest(dbt_manifest), day, database=database)
    return day, warehouse, with_database(pg_dsn, database), {p.table for p in done if p.mode != "missing"}


@pytest.mark.parametrize("card", CONTENT.cards, ids=lambda c: c.name)
def test_card_runs_with_its_defaults(card, published):
    day, _, dsn, tables = published
    if not set(card.tables) <= tables:
        pytest.skip(f"the built day has no {sorted(set(card.tables) - tables)}")
    with psycopg.connect(dsn) as pg:
        rows = pg.execute(render_sql(card, CONTENT)).fetchall()
        # every optional clause also parses with values in it
        pg.execute(render_sql(card, CONTENT, {"date_from": day, "date_to": day, "venue": "binance",
                                              "market": "BTC/USDT", "mm": "Acme MM", "min_edge_bps": 1})).fetchall()
    if set(card.tables) <= WITH_ROWS_THAT_DAY:
        assert rows, card.name


def test_scorecard_numbers_equal_the_duckdb_mart(published):
    day, warehouse, dsn, _ = published
    card = CONTENT.card("MM scorecard by obligation and day")
    with psycopg.connect(dsn) as pg:
        cursor = pg.execute(render_sql(card, CONTENT))
        names = [d.name for d in cursor.description]
        served = {row[names.index("obligation_id")]: dict(zip(names, row)) for row in cursor.fetchall()}
    with duckdb.connect(str(warehouse), read_only=True) as duck:
        cursor = duck.execute(f"select {', '.join(names)} from fct_mm_compliance_daily where day = date '{day}'")
        expected = {row[names.index("obligation_id")]: dict(zip(names, row)) for row in cursor.fetchall()}
    assert set(served) == set(expected) == {"ob-lenient", "ob-strict"}
    for obligation, want in expected.items():
        for name, value in want.items():
            got = served[obligation][name]
            if isinstance(value, float) or hasattr(got, "as_tuple"):
                assert float(got) == pytest.approx(float(value)), (obligation, name)
            else:
                assert got == value, (obligation, name)
    assert served["ob-strict"]["verdict"] == "fail" and served["ob-lenient"]["verdict"] == "pass"
