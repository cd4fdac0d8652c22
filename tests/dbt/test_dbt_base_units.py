"""Spec units through the real dbt project: the same book and trades written in each venue's units
(base units, linear contracts of 0.01 / 0.001 BTC, contract_size absent, inverse contracts of
100 / 10 USD) give the same depth, slippage, touch amounts and trade volumes in base units."""
from __future__ import annotations

import pytest

from dbt_harness import day_start_ms, query, run_dbt, snapshot, write_lake_orderbooks
from lake_tables import trade, write_lake_table

DAY = "2025-11-20"
T0 = day_start_ms(DAY) + 3_600_000

# The book in base units: bids 50,000 × 2 and 49,900 × 1 BTC; asks 50,010 × 1.5 and 50,100 × 3 BTC.
BIDS = [(50_000.0, 2.0), (49_900.0, 1.0)]
ASKS = [(50_010.0, 1.5), (50_100.0, 3.0)]


def _linear(levels, contract_size):
    return [(price, base / contract_size) for price, base in levels]


def _inverse(levels, contract_size):
    """Contracts of `contract_size` USD: base × price / contract_size (what a COIN-M book lists)."""
    return [(price, base * price / contract_size) for price, base in levels]


# (exchange, symbol, venue-unit bids, asks, contract_size in the lake)
VENUE_BOOKS = [
    ("binanceusdm", "BTC/USDT:USDT", BIDS, ASKS, 1.0),
    ("okx", "BTC/USDT:USDT", _linear(BIDS, 0.01), _linear(ASKS, 0.01), 0.01),
    ("gate", "BTC/USDT:USDT", _linear(BIDS, 0.001), _linear(ASKS, 0.001), 0.001),
    ("kucoinfutures", "BTC/USDT:USDT", BIDS, ASKS, None),  # absent: amounts already in base units
    ("binancecoinm", "BTC/USD:BTC", _inverse(BIDS, 100.0), _inverse(ASKS, 100.0), 100.0),
]


@pytest.fixture(scope="module")
def units_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("dbt_base_units")
    books = [snapshot(exchange, symbol, T0, bids, asks, market_type="swap", contract_size=size)
             for exchange, symbol, bids, asks, size in VENUE_BOOKS]
    # ETH/USD:ETH, 10 USD contracts: bids 3,000 × 40 contracts (400 USD) / asks 3,010 × 30 (300 USD)
    books.append(snapshot("binancecoinm", "ETH/USD:ETH", T0, [(3000.0, 40.0)], [(3010.0, 30.0)],
                          market_type="swap", contract_size=10.0))
    write_lake_orderbooks(data_dir, books)
    write_lake_table(data_dir, "raw_trades", [
        trade("okx", "BTC/USDT:USDT", T0 + 1_000, 50_000.0, 50.0, "buy", "o1", market_type="swap", contract_size=0.01),
        trade("gate", "BTC/USDT:USDT", T0 + 1_000, 50_000.0, 500.0, "sell", "g1", market_type="swap",
              contract_size=0.001),
        trade("binancecoinm", "BTC/USD:BTC", T0 + 1_000, 50_000.0, 20.0, "buy", "c1", market_type="swap",
              contract_size=100.0),
        trade("binancecoinm", "ETH/USD:ETH", T0 + 1_000, 2_500.0, 7.0, "sell", "e1", market_type="swap",
              contract_size=10.0),
    ])
    run_dbt(data_dir, ["build", "--select", "+fct_orderbook_snapshot_metrics", "+fct_trades_minute"], {"day": DAY})
    return data_dir


def _metrics(data_dir) -> dict[tuple[str, str], dict]:
    rows = query(data_dir, "select * from fct_orderbook_snapshot_metrics")
    return {(row["exchange"], row["symbol"]): row for row in rows}


MID = (50_000.0 + 50_010.0) / 2


@pytest.mark.parametrize("exchange, symbol", [(e, s) for e, s, *_ in VENUE_BOOKS])
def test_depth_in_usd_is_the_same_on_every_venue(units_dir, exchange, symbol):
    row = _metrics(units_dir)[(exchange, symbol)]
    assert row["mid"] == MID
    # 200 bps reaches 49,004.9 / 51,005.1: every level; 10 bps reaches 49,954.995 / 50,055.005: the touch only
    assert row["depth_bid_usd_200"] == pytest.approx(50_000 * 2 + 49_900 * 1, rel=1e-12)
    assert row["depth_ask_usd_200"] == pytest.approx(50_010 * 1.5 + 50_100 * 3, rel=1e-12)
    assert row["depth_bid_usd_10"] == pytest.approx(100_000.0, rel=1e-12)
    assert row["depth_ask_usd_10"] == pytest.approx(75_015.0, rel=1e-12)
    assert row["imbalance_200"] == pytest.approx((149_900 - 225_315) / (149_900 + 225_315), rel=1e-9)
    assert (row["best_bid_amount"], row["best_ask_amount"]) == (pytest.approx(2.0), pytest.approx(1.5))


@pytest.mark.parametrize("exchange, symbol", [(e, s) for e, s, *_ in VENUE_BOOKS])
def test_slippage_walks_base_units_on_every_venue(units_dir, exchange, symbol):
    row = _metrics(units_dir)[(exchange, symbol)]
    # buy 100,000 USD: 75,015 at 50,010 (1.5 BTC), then 24,985 at 50,100
    buy_vwap = 100_000 / (1.5 + 24_985 / 50_100)
    assert row["slippage_buy_bps_100000"] == pytest.approx((buy_vwap - MID) / MID * 10_000, rel=1e-9)
    # sell 100,000 USD: all of it at 50,000 (2 BTC hold exactly 100,000)
    assert row["slippage_sell_bps_100000"] == pytest.approx((MID - 50_000) / MID * 10_000, rel=1e-9)
    # 10,000 USD fills at the touch on both sides
    assert row["slippage_buy_bps_10000"] == pytest.approx((50_010 - MID) / MID * 10_000, rel=1e-9)
    assert (row["insufficient_depth_buy_100000"], row["insufficient_depth_sell_100000"]) == (False, False)


def test_inverse_contracts_of_10_usd(units_dir):
    row = _metrics(units_dir)[("binancecoinm", "ETH/USD:ETH")]
    # 40 contracts × 10 USD at 3,000 = 0.1333.. ETH; its notional is exactly the 400 USD the contracts hold
    assert row["best_bid_amount"] == pytest.approx(40 * 10 / 3000)
    assert row["best_ask_amount"] == pytest.approx(30 * 10 / 3010)
    assert (row["depth_bid_usd_200"], row["depth_ask_usd_200"]) == (pytest.approx(400.0), pytest.approx(300.0))
    # 1,000 USD cannot be filled by 400 / 300 USD of book
    assert row["insufficient_depth_buy_1000"] and row["slippage_buy_bps_1000"] is None


def test_trades_in_base_units_and_usd(units_dir):
    rows = {(r["exchange"], r["symbol"]): r for r in query(
        units_dir, "select exchange, symbol, volume_base, volume_usd, vwap from fct_trades_minute")}
    # okx 50 contracts × 0.01 = 0.5 BTC; gate 500 × 0.001 = 0.5 BTC; both 25,000 USD
    assert rows[("okx", "BTC/USDT:USDT")]["volume_base"] == pytest.approx(0.5)
    assert rows[("gate", "BTC/USDT:USDT")]["volume_usd"] == pytest.approx(25_000.0)
    # COIN-M 20 contracts × 100 USD at 50,000 = 0.04 BTC = 2,000 USD; vwap stays the trade price
    coinm = rows[("binancecoinm", "BTC/USD:BTC")]
    assert (coinm["volume_base"], coinm["volume_usd"], coinm["vwap"]) == (
        pytest.approx(0.04), pytest.approx(2_000.0), pytest.approx(50_000.0))
    # 7 contracts × 10 USD at 2,500 = 0.028 ETH = 70 USD
    eth = rows[("binancecoinm", "ETH/USD:ETH")]
    assert (eth["volume_base"], eth["volume_usd"]) == (pytest.approx(0.028), pytest.approx(70.0))
