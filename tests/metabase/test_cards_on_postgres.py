"""Every card's SQL, with its values substituted as Metabase would, on the real PostgreSQL after
publishing a day that has rows in every mart (every_mart_lake.py, built by the real dbt, alert
ledger written by the real alert cycle); the scorecard's numbers equal fct_mm_compliance_daily in DuckDB.
"""
from __future__ import annotations

import duckdb
import psycopg
import pytest

from every_mart_lake import BREACH_FROM_MINUTE, MINUTES, PERP
from mmwatch.metabase.content import load_content
from mmwatch.metabase.render import render_sql
from mmwatch.serving.postgres import with_database
from mmwatch.serving.publish import marts_from_manifest, publish_marts

CONTENT = load_content()
# marts whose markets are perpetuals: their market filter names the perpetual
PERP_MARTS = {"fct_perp_basis_minute", "fct_open_interest", "fct_long_short_ratio"}


@pytest.fixture(scope="module")
def published(every_mart_day, dbt_manifest, pg_dsn, throwaway_database):
    day, warehouse = every_mart_day
    database = throwaway_database()
    done = publish_marts(warehouse, pg_dsn, marts_from_manifest(dbt_manifest), day, database=database)
    assert [p.table for p in done if p.mode == "missing"] == []
    return day, warehouse, with_database(pg_dsn, database)


def _filtered(card, day: str) -> dict[str, object]:
    """One venue, one market, one market maker (all of them matching rows of the day)."""
    market = PERP if set(card.tables) & PERP_MARTS else "BTC/USDT"
    return {"date_from": day, "date_to": day, "venue": "binance", "market": market, "mm": "Acme MM", "min_edge_bps": 1,
            "at": f"{day} 01:00:30"}


@pytest.mark.parametrize("card", CONTENT.cards, ids=lambda c: c.name)
def test_card_returns_rows_with_defaults_and_with_filters(card, published):
    day, _, dsn = published
    with psycopg.connect(dsn) as pg:
        assert pg.execute(render_sql(card, CONTENT)).fetchall(), "no rows with the default filters"
        values = {name: value for name, value in _filtered(card, day).items() if name in card.filters}
        assert pg.execute(render_sql(card, CONTENT, values)).fetchall(), f"no rows with {values}"
        if "venue" in card.filters:  # the venue clause really filters
            assert pg.execute(render_sql(card, CONTENT, {"venue": "no-such-venue"})).fetchall() == []


def test_scorecard_numbers_equal_the_duckdb_mart(published):
    day, warehouse, dsn = published
    card = CONTENT.card("MM scorecard by obligation and day")
    with psycopg.connect(dsn) as pg:
        cursor = pg.execute(render_sql(card, CONTENT))
        names = [d.name for d in cursor.description]
        served = {row[names.index("obligation_id")]: dict(zip(names, row)) for row in cursor.fetchall()}
    with duckdb.connect(str(warehouse), read_only=True) as duck:
        cursor = duck.execute(f"select {', '.join(names)} from fct_mm_compliance_daily where day = date '{day}'")
        expected = {row[names.index("obligation_id")]: dict(zip(names, row)) for row in cursor.fetchall()}
    assert set(served) == set(expected) == {"ob-acme-btc", "ob-orbit-eth", "ob-orbit-bybit"}
    for obligation, want in expected.items():
        for name, value in want.items():
            got = served[obligation][name]
            if isinstance(value, float) or hasattr(got, "as_tuple"):
                assert float(got) == pytest.approx(float(value)), (obligation, name)
            else:
                assert got == value, (obligation, name)
    # by hand: binance BTC/USDT breaches from minute 60 of 90 evenly sampled minutes
    acme = served["ob-acme-btc"]
    assert float(acme["uptime_pct"]) == pytest.approx(100 * BREACH_FROM_MINUTE / MINUTES)
    assert (acme["verdict"], acme["breach_minutes"], acme["breach_episodes"]) == ("fail", MINUTES - BREACH_FROM_MINUTE, 1)
    assert {served[o]["verdict"] for o in ("ob-orbit-eth", "ob-orbit-bybit")} == {"pass"}


def test_alert_cards_show_the_open_breach(published):
    _, _, dsn = published
    with psycopg.connect(dsn) as pg:
        rows = pg.execute(render_sql(CONTENT.card("Open alerts by rule"), CONTENT)).fetchall()
    assert ("obligation_breach", "critical", 1) in rows


def test_book_at_a_moment_shows_the_kept_snapshot_before_it(published):
    """At 01:00:30 the BTC/USDT book kept last is the breach start of 01:00:00 (minute 60: books at :00,
    :20 and :40, of which fct_book_levels keeps the episode's first and the minute's last)."""
    day, warehouse, dsn = published
    card = CONTENT.card("Book at a moment")
    with psycopg.connect(dsn) as pg:
        cursor = pg.execute(render_sql(card, CONTENT, {"at": f"{day} 01:00:30", "venue": "binance", "market": "BTC/USDT"}))
        names = [d.name for d in cursor.description]
        served = [dict(zip(names, row)) for row in cursor.fetchall()]
    with duckdb.connect(str(warehouse), read_only=True) as duck:
        expected = duck.execute(
            "select side, level, price, amount from fct_book_levels where symbol = 'BTC/USDT' and exchange = 'binance' "
            "and ts = epoch_ms(timestamp '2026-03-10 01:00:00') order by side desc, level").fetchall()
    assert len(served) == len(expected) == 8
    assert [(r["side"], r["level"], r["price"], r["amount"]) for r in served] == expected
    assert {(str(r["snapshot_at"]), float(r["age_s"]), r["breach_start_of"]) for r in served} == {
        ("2026-03-10 01:00:00", 30.0, "ob-acme-btc")}
