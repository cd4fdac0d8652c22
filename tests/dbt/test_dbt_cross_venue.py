"""fct_cross_venue_minute / fct_arbitrage_opportunities against hand-computed spec §5 numbers."""
from __future__ import annotations

import pytest

from dbt_harness import day_start_ms, one, query, run_dbt, snapshot, write_lake_orderbooks

DAY = "2025-11-20"
D0 = day_start_ms(DAY)
S = 1000

ROWS = [
    # superseded by binance's later snapshot of the same minute
    snapshot("binance", "BTC/USDT", D0 + 5 * S, [(40000.0, 1.0)], [(40010.0, 1.0)]),
    snapshot("binance", "BTC/USDT", D0 + 50 * S, [(49990.0, 1.0)], [(50010.0, 2.0)]),  # mid 50,000
    snapshot("bybit", "BTC/USDT", D0 + 20 * S, [(50100.0, 0.5)], [(50120.0, 3.0)]),  # mid 50,110
    snapshot("okx", "BTC/USDC", D0 + 30 * S, [(49900.0, 4.0)], [(49920.0, 0.2)]),  # mid 49,910
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("dbt_cross_venue")
    write_lake_orderbooks(data_dir, ROWS)
    run_dbt(data_dir, ["build", "--select", "+fct_cross_venue_minute", "+fct_arbitrage_opportunities"],
            {"day": DAY})
    return data_dir


def test_dispersion_over_last_quotes_of_the_minute(data_dir):
    r = one(data_dir, "select * from fct_cross_venue_minute")
    assert (r["base"], r["venues"]) == ("BTC", 3)
    assert (r["min_mid_usd"], r["median_mid_usd"], r["max_mid_usd"]) == (49910.0, 50000.0, 50110.0)
    assert r["dispersion_bps"] == pytest.approx((50110 - 49910) / 50000 * 10_000)  # 40 bps
    assert (r["min_mid_market"], r["max_mid_market"]) == ("okx:BTC/USDC", "bybit:BTC/USDT")


def test_only_edges_beating_both_fees_are_opportunities(data_dir):
    rows = query(data_dir, "select * from fct_arbitrage_opportunities")
    # buy okx at 49,920, sell bybit at 50,100: 180 / 49,920 = 36.06 bps > 10 + 10;
    # buy binance 50,010 -> bybit 50,100: 18.0 bps < 20; buy okx -> binance 49,990: 14.0 bps
    assert len(rows) == 1
    r = rows[0]
    assert (r["buy_exchange"], r["sell_exchange"]) == ("okx", "bybit")
    assert r["gross_edge_bps"] == pytest.approx(180 / 49920 * 10_000)
    assert r["net_edge_bps"] == pytest.approx(180 / 49920 * 10_000 - 20)
    assert r["executable_base"] == 0.2  # min(0.2 at okx's ask, 0.5 at bybit's bid)
    assert r["executable_usd"] == pytest.approx(0.2 * 49920)
