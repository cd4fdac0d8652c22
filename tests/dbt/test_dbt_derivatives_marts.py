"""fct_perp_basis_minute, fct_open_interest, fct_long_short_ratio, fct_fund_flow, fct_contract_stats.

One real dbt build of a small lake. Binance BTC/USDT spot and its perpetual BTC/USDT:USDT:
minute 0 ends with spot mid 50,100 and perp mid 50,200 (a later one-sided perp book is not a
quote), so basis = 100 / 50,100 × 10,000; the last funding reading of minute 0 has mark 50,250,
index 50,000 (premium 50 bps) and rate 0.0002 every 8 h (annualised 0.0002 × 365 × 24 / 8).
"""
from __future__ import annotations

from datetime import datetime

import pytest

from dbt_harness import day_start_ms, one, run_dbt, snapshot, write_lake_orderbooks
from lake_tables import write_lake_table

DAY = "2025-11-20"
D0 = day_start_ms(DAY)
S, M = 1000, 60_000
PERP = "BTC/USDT:USDT"
INVERSE = "BTC/USD:BTC"


def books() -> list[dict]:
    return [
        snapshot("binance", "BTC/USDT", D0 + 10 * S, [(49_990.0, 1.0)], [(50_010.0, 1.0)]),
        snapshot("binance", "BTC/USDT", D0 + 50 * S, [(50_090.0, 1.0)], [(50_110.0, 1.0)]),
        snapshot("binance", PERP, D0 + 30 * S, [(50_190.0, 1.0)], [(50_210.0, 1.0)], market_type="swap"),
        snapshot("binance", PERP, D0 + 55 * S, [(50_190.0, 1.0)], [], market_type="swap"),
        snapshot("binance", PERP, D0 + 70 * S, [(49_990.0, 1.0)], [(50_010.0, 1.0)], market_type="swap"),
    ]


def reading(exchange, symbol, ts, market_type="swap", **values) -> dict:
    return {"exchange": exchange, "market_type": market_type, "symbol": symbol, "ts": ts,
            "received_ts": ts + 30, **values}


@pytest.fixture(scope="module")
def derivatives_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("dbt_derivatives")
    write_lake_orderbooks(data_dir, books())
    write_lake_table(data_dir, "raw_funding", [
        reading("binance", PERP, D0 + 20 * S, funding_rate=0.0001, funding_interval="8h",
                mark_price=50_210.0, index_price=50_200.0),
        reading("binance", PERP, D0 + 40 * S, funding_rate=0.0002, funding_interval="8h",
                mark_price=50_250.0, index_price=50_000.0, next_funding_ts=D0 + 8 * 3_600_000),
        reading("binancecoinm", INVERSE, D0 + 1 * M, funding_rate=0.0001, funding_interval="8h", mark_price=40_000.0),
        reading("binancecoinm", INVERSE, D0 + 4 * M, funding_rate=0.0001, funding_interval="8h", mark_price=50_000.0),
        reading("binancecoinm", INVERSE, D0 + 6 * M, funding_rate=0.0001, funding_interval="8h", mark_price=60_000.0),
    ])
    write_lake_table(data_dir, "raw_open_interest", [
        reading("okx", PERP, D0 + 5 * M, kind="now", open_interest_amount=1000.0,
                open_interest_value=500_000.0, amount_unit="contracts", contract_size=0.01),
        # COIN-M: 2,000 contracts of 100 USD = 200,000 USD; ETH/USD:ETH has no mark price at all
        reading("binancecoinm", INVERSE, D0 + 5 * M, kind="now", open_interest_amount=2000.0,
                open_interest_value=200_000.0, amount_unit="contracts", contract_size=100.0),
        reading("binancecoinm", "ETH/USD:ETH", D0 + 5 * M, kind="now", open_interest_amount=10.0,
                open_interest_value=100.0, amount_unit="contracts", contract_size=10.0)])
    write_lake_table(data_dir, "raw_long_short_ratios", [
        reading("binance", PERP, D0 + 5 * M, kind="accounts", period="5m", long_short_ratio=1.5),
        reading("binance", PERP, D0, kind="accounts", period="1d", long_short_ratio=0.25,
                long_share=0.2, short_share=0.8)])
    write_lake_table(data_dir, "raw_fund_flows", [
        reading("bitget", "BTC/USDT", D0 + 15 * M, market_type="spot", kind="fund_flow", period="15m",
                whale_buy_volume=100.0, whale_sell_volume=40.0, dolphin_buy_volume=20.0,
                dolphin_sell_volume=30.0, fish_buy_volume=1.5, fish_sell_volume=2.5, net_flow=49.0)])
    write_lake_table(data_dir, "raw_contract_stats", [
        reading("gate", PERP, D0 + 5 * M, interval="5m", open_interest=1_000_000.0, open_interest_usd=5e6,
                mark_price=50_000.0, long_liq_size=300.0, short_liq_size=0.0, contract_size=0.0001)])
    run_dbt(data_dir, ["build"], {"day": DAY})
    return data_dir


def basis_row(data_dir, minute_ms):
    return one(data_dir, "select * from fct_perp_basis_minute where symbol = ? and minute = ?",
               [PERP, datetime.utcfromtimestamp(minute_ms / 1000)])


def test_basis_premium_and_funding(derivatives_dir):
    row = basis_row(derivatives_dir, D0)
    assert (row["perp_mid"], row["spot_mid"], row["spot_symbol"]) == (50_200.0, 50_100.0, "BTC/USDT")
    assert (row["perp_ts"], row["spot_ts"]) == (D0 + 30 * S, D0 + 50 * S)
    assert row["basis_bps"] == pytest.approx(100.0 / 50_100.0 * 10_000, rel=1e-12)
    assert row["funding_ts"] == D0 + 40 * S
    assert row["premium_bps"] == pytest.approx(50.0, rel=1e-12)
    assert row["funding_interval_hours"] == 8.0
    assert row["funding_rate_annualised"] == pytest.approx(0.0002 * 365 * 24 / 8, rel=1e-12)


def test_minute_without_spot_or_funding(derivatives_dir):
    row = basis_row(derivatives_dir, D0 + M)
    assert row["perp_mid"] == 50_000.0
    assert row["spot_mid"] is None and row["basis_bps"] is None
    assert row["premium_bps"] is None and row["funding_rate_annualised"] is None


def test_inverse_open_interest_is_its_usd_value_over_the_last_mark(derivatives_dir):
    row = one(derivatives_dir, "select * from fct_open_interest where symbol = ?", [INVERSE])
    # 200,000 USD / the mark of 00:04 (50,000; the one of 00:06 comes after the reading) = 4 BTC
    assert row["open_interest_base"] == pytest.approx(4.0, rel=1e-12)
    assert row["open_interest_usd"] == 200_000.0 and row["contract_size"] == 100.0
    assert one(derivatives_dir, "select open_interest_base from fct_open_interest where symbol = 'ETH/USD:ETH'") == {
        "open_interest_base": None}


def test_open_interest_in_base_and_usd(derivatives_dir):
    row = one(derivatives_dir, "select * from fct_open_interest where exchange = 'okx'")
    assert row["open_interest_base"] == pytest.approx(10.0, rel=1e-12)  # 1,000 contracts × 0.01 BTC
    assert row["open_interest_usd"] == 500_000.0 and row["kind"] == "now"


def test_long_short_ratio_intraday_and_daily(derivatives_dir):
    intraday = one(derivatives_dir, "select * from fct_long_short_ratio where period = '5m'")
    assert intraday["long_share"] == pytest.approx(0.6) and intraday["short_share"] == pytest.approx(0.4)
    assert intraday["is_daily"] is False
    daily = one(derivatives_dir, "select * from fct_long_short_ratio where is_daily")
    assert (daily["long_share"], daily["short_share"], daily["long_short_ratio"]) == (0.2, 0.8, 0.25)


def test_fund_flow_and_contract_stats(derivatives_dir):
    flow = one(derivatives_dir, "select * from fct_fund_flow")
    assert (flow["total_buy_volume"], flow["total_sell_volume"], flow["net_flow"]) == (121.5, 72.5, 49.0)
    stats = one(derivatives_dir, "select * from fct_contract_stats")
    assert stats["open_interest_base"] == pytest.approx(100.0, rel=1e-12)
    assert stats["long_liq_base"] == pytest.approx(0.03, rel=1e-12) and stats["short_liq_base"] == 0.0
