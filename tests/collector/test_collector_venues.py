"""The collector across every venue of venues.yaml (42 markets), real ccxt classes over HTTP, virtual
time: landed books and trades equal the simulator's pure functions, in the venue's units (contracts
of 100 USD on binancecoinm's BTC/USD:BTC), with the market type and contract size of the ccxt market."""
from __future__ import annotations

import polars as pl
import pytest

from mmwatch.collector.venues import SUPPORTED_DATASETS
from mmwatch.settings import DataDir
from collect_harness import all_markets_config, collect_cycles, landed

CYCLES = 6
MARKETS = [("binance", "BTC/USDT"), ("binance", "DOGE/USDT"), ("binancecoinm", "BTC/USD:BTC"),
           ("binancecoinm", "ETH/USD:ETH"), ("binanceusdm", "ETH/USDT:USDT"),
           ("bitget", "SOL/USDT"), ("bitget", "BTC/USDT:USDT"), ("gate", "ETH/USDT"), ("gate", "BTC/USDT:USDT"),
           ("kucoin", "XRP/USDT"), ("kucoinfutures", "SOL/USDT:USDT"), ("okx", "BTC/USDT"),
           ("okx", "ETH/USDT:USDT"), ("bybit", "DOGE/USDT"), ("bybit", "SOL/USDT:USDT")]


@pytest.fixture(scope="module")
def run(venues_sim, venues_scenario, tmp_path_factory):
    data_dir = DataDir(tmp_path_factory.mktemp("venues"))
    start = venues_scenario.day_start_ms + 3_600_000  # 01:00, every venue up
    collector = collect_cycles(venues_sim, all_markets_config(venues_scenario), data_dir, start, CYCLES)
    return collector, data_dir, start


def test_every_market_of_every_venue_lands_every_cycle(run, venues_scenario):
    collector, data_dir, _ = run
    books = landed(data_dir, "orderbooks")
    assert landed(data_dir, "fetch_errors").is_empty()
    counts = {(e, s): n for e, s, n in books.group_by("exchange", "symbol").len().iter_rows()}
    expected = {(v, m.symbol) for v, venue in venues_scenario.venues.items() for m in venue.markets}
    assert len(expected) == 42 and counts == dict.fromkeys(expected, CYCLES)
    assert set(collector.budgets) == set(venues_scenario.venues)
    for venue, budget in collector.budgets.items():  # markets + books + trades at least
        assert budget.requests >= 1 + 2 * CYCLES * len(venues_scenario.venues[venue].markets), venue
        assert 0 < budget.peak()[1] < 0.8, budget.report()


@pytest.mark.parametrize("venue, symbol", MARKETS, ids=[f"{v}-{s}" for v, s in MARKETS])
def test_books_equal_what_the_simulator_served(run, venues_world, venue, symbol):
    from simulator.book import order_book

    _, data_dir, _ = run
    model = venues_world.market(venue, symbol)
    books = landed(data_dir, "orderbooks").filter((pl.col("exchange") == venue) & (pl.col("symbol") == symbol))
    assert set(books["market_type"]) == {model.market_type}
    assert set(books["contract_size"]) == {float(model.contract_size)}
    for row in books.iter_rows(named=True):
        served = order_book(venues_world, venue, symbol, row["received_ts"], 100)
        assert [(lv["price"], lv["amount"]) for lv in row["bids"]] == served.bids
        assert [(lv["price"], lv["amount"]) for lv in row["asks"]] == served.asks
        assert len(row["bids"]) == len(row["asks"]) == 100


@pytest.mark.parametrize("venue, symbol", MARKETS, ids=[f"{v}-{s}" for v, s in MARKETS])
def test_trades_are_complete_and_never_doubled(run, venues_world, venue, symbol):
    from simulator.trades import trades_between

    _, data_dir, start = run
    model = venues_world.market(venue, symbol)
    trades = landed(data_dir, "trades").filter((pl.col("exchange") == venue) & (pl.col("symbol") == symbol))
    last_fetch = start + (CYCLES - 1) * 10_000
    expected = trades_between(model, start, last_fetch, 100_000)
    assert len(expected) >= 5
    got = trades.sort("exchange_ts", "trade_id").select("exchange_ts", "price", "amount", "side").rows()
    assert got == [(t.ts, t.price, t.amount, t.side) for t in expected]
    if venue != "kucoin":  # KuCoin spot prints no trade id
        assert trades["trade_id"].to_list() == [str(t.id) for t in expected]
    assert set(trades["contract_size"]) == {float(model.contract_size)}


def test_the_production_table_agrees_with_the_simulator():
    from simulator.datasets import SUPPORTED_DATASETS as SIMULATED

    for venue, types in SUPPORTED_DATASETS.items():
        for market_type, datasets in types.items():
            offered = set(SIMULATED[venue][market_type])
            mine = set(datasets) - {"open_interest"}
            assert mine <= offered, (venue, market_type, mine - offered)
            has_oi = bool({"open_interest", "open_interest_history"} & offered)
            assert ("open_interest" in datasets) == has_oi, (venue, market_type)


def test_the_inverse_perp_lands_in_contracts_of_100_usd(run, venues_world):
    _, data_dir, start = run
    books = landed(data_dir, "orderbooks").filter(
        (pl.col("exchange") == "binancecoinm") & (pl.col("symbol") == "BTC/USD:BTC"))
    assert set(books["market_type"]) == {"swap"} and set(books["contract_size"]) == {100.0}
    row = books.sort("received_ts").row(0, named=True)
    bids = [(lv["price"], lv["amount"]) for lv in row["bids"]]
    assert all(amount == int(amount) for _, amount in bids)  # whole contracts, not BTC
    mid = (bids[0][0] + row["asks"][0]["price"]) / 2
    # the Dunmore maker quotes 500,000 USD a side in 8 levels within 25 bps (background from 30 bps):
    # the levels inside 28 bps hold that many contracts of 100 USD, +≤10 % jitter, rounded up per level
    maker_usd = sum(amount * 100 for price, amount in bids if price >= mid * (1 - 28 / 10_000))
    assert 500_000 <= maker_usd <= 550_000 + 8 * 100
    trades = landed(data_dir, "trades").filter(pl.col("exchange") == "binancecoinm")
    assert set(trades["contract_size"]) == {100.0, 10.0} and (trades["amount"] == trades["amount"].round()).all()
