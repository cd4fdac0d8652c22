"""The marts of a small joint scenario (scenarios/marts_joint.yaml) against values computed in
Python from the books and trades the simulator served (as landed in the lake) and from the
scenario itself: arbitrage (spec §5), perp basis, whale trades, VWAP and candles (§4), the
minute liquidity spread (§2). One real collection and one dbt build for the whole module."""
from __future__ import annotations

import math
from collections import defaultdict

import pytest

from marts_joint_run import run_joint_scenario

pytestmark = pytest.mark.e2e
FEES_BPS = 10.0 + 10.0  # default taker fee of both venues (dbt/seeds/taker_fees.csv)


@pytest.fixture(scope="module")
def run(tmp_path_factory, dbt_manifest):
    from mmwatch.settings import DataDir

    root = tmp_path_factory.mktemp("marts_joint")
    layout = DataDir.from_env(root / "data").ensure()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MMWATCH_DATA_DIR", str(layout.root))
        patch.setenv("DAGSTER_HOME", str(layout.dagster_home))
        patch.delenv("MMWATCH_OBLIGATIONS_CSV", raising=False)
        yield run_joint_scenario(layout, root / "obligations.csv")


def minute_quotes(run) -> dict[tuple, dict]:
    """(minute start ms, exchange) -> the last valid two-sided spot book of the minute (spec §5)."""
    books = run.lake_rows("raw_orderbooks", "select * from lake where is_valid and market_type = 'spot' "
                                            "order by ts, snapshot_id")
    quotes = {}
    for book in books:
        bids = [level for level in book["bids"] if level["amount"] > 0]
        asks = [level for level in book["asks"] if level["amount"] > 0]
        if bids and asks:
            best_bid = max(bids, key=lambda level: level["price"])
            best_ask = min(asks, key=lambda level: level["price"])
            quotes[(book["ts"] // 60_000 * 60_000, book["exchange"])] = {"ts": book["ts"], "bid": best_bid, "ask": best_ask}
    return quotes


def test_arbitrage_opportunities_match_the_served_books(run):
    from simulator.market import World

    quotes = minute_quotes(run)
    expected = {}
    for (minute, buy), buy_quote in quotes.items():
        for (other_minute, sell), sell_quote in quotes.items():
            if other_minute != minute or sell == buy:
                continue
            ask, bid = buy_quote["ask"], sell_quote["bid"]
            edge = (bid["price"] - ask["price"]) / ask["price"] * 10_000
            if edge > FEES_BPS:
                expected[(minute, buy, sell)] = (edge, min(ask["amount"], bid["amount"]))
    rows = run.marts("select *, epoch_ms(minute) as minute_ms from fct_arbitrage_opportunities")
    got = {(r["minute_ms"], r["buy_exchange"], r["sell_exchange"]): (r["gross_edge_bps"], r["executable_base"])
           for r in rows}
    assert len(expected) >= 3 and set(got) == set(expected)
    for key, (edge, size) in expected.items():
        assert got[key][0] == pytest.approx(edge, rel=1e-9) and got[key][1] == pytest.approx(size, rel=1e-12)
    # direction: the lagging venue (gate) is the cheap one when the asset has just risen, and the
    # other way round; the buy venue is the one whose fair price (scenario path) was lower
    world = World(run.scenario)
    for minute, buy, sell in expected:
        ts = quotes[(minute, buy)]["ts"]
        assert world.market(buy, "BTC/USDT").fair_price(ts) < world.market(sell, "BTC/USDT").fair_price(ts)
    assert {buy for _, buy, _ in expected} == {"bybit", "gate"}  # both directions occur


def test_perp_basis_equals_the_scenario_basis_within_tick_rounding(run):
    from simulator.market import World

    perp = World(run.scenario).market("bybit", "BTC/USDT:USDT")
    rows = run.marts("select * from fct_perp_basis_minute where exchange = 'bybit' order by minute")
    assert len(rows) >= 29
    for row in rows:
        assert row["spot_symbol"] == "BTC/USDT" and row["spot_ts"] == row["perp_ts"]
        # each mid is within half a tick of its market's fair price (touches rounded outwards)
        tolerance = (0.1 / row["perp_mid"] + 0.01 / row["spot_mid"]) * 10_000
        assert abs(row["basis_bps"] - perp.basis_bps(row["perp_ts"])) <= tolerance


def test_funding_and_premium_of_the_perp(run):
    """Funding read every 5 minutes: the scenario's rate (no jitter), annualised over its 8 h
    interval; premium = (mark − index) / index = the scenario basis within the mark's and the
    index's tick rounding."""
    from simulator.market import World

    perp_spec = World(run.scenario).market("bybit", "BTC/USDT:USDT")
    rate = perp_spec.market.perp.funding_rate
    rows = run.marts("select * from fct_perp_basis_minute where exchange = 'bybit' and funding_ts is not null")
    assert len(rows) >= 6
    for row in rows:
        assert row["funding_rate"] == pytest.approx(rate, abs=1e-12)
        assert row["funding_rate_annualised"] == pytest.approx(rate * 365 * 24 / 8, rel=1e-12)
        tolerance = 0.1 / row["index_price"] * 10_000  # half a tick on each price
        assert abs(row["premium_bps"] - perp_spec.basis_bps(row["funding_ts"])) <= tolerance


def raw_trades(run) -> dict[tuple, list[dict]]:
    trades = run.lake_rows("raw_trades", "select * from lake order by ts, trade_id")
    per_market = defaultdict(list)
    for trade in trades:
        per_market[(trade["exchange"], trade["symbol"])].append(trade)
    return per_market


def test_whale_trades_are_counted(run):
    flows = {(r["exchange"], r["symbol"]): r for r in run.marts("select * from fct_trade_flow_daily")}
    whales_total = 0
    for market, trades in raw_trades(run).items():
        whales = sum(1 for t in trades if t["price"] * t["amount"] * t["contract_size"] >= 100_000)
        assert flows[market]["whale_trades"] == whales
        assert flows[market]["trade_count"] == len(trades)
        whales_total += whales
    assert whales_total >= 1


def test_vwap_and_candles_equal_python_over_the_raw_trades(run):
    candles = {(r["exchange"], r["symbol"], r["start_ms"]): r
               for r in run.marts("select *, epoch_ms(candle_start) as start_ms from fct_candles_1m")}
    flows = {(r["exchange"], r["symbol"]): r for r in run.marts("select * from fct_trade_flow_daily")}
    for (exchange, symbol), trades in raw_trades(run).items():
        day_vwap = sum(t["price"] * t["amount"] for t in trades) / sum(t["amount"] for t in trades)
        assert flows[(exchange, symbol)]["vwap"] == pytest.approx(day_vwap, rel=1e-12)
        by_minute = defaultdict(list)
        for trade in trades:
            by_minute[trade["ts"] // 60_000 * 60_000].append(trade)
        assert {k[2] for k in candles if k[:2] == (exchange, symbol)} == set(by_minute)
        for minute, group in by_minute.items():
            candle = candles[(exchange, symbol, minute)]
            ordered = sorted(group, key=lambda t: (t["ts"], t["trade_id"]))
            want = {"open": ordered[0]["price"], "close": ordered[-1]["price"], "trade_count": len(group),
                    "high": max(t["price"] for t in group), "low": min(t["price"] for t in group)}
            assert {k: candle[k] for k in want} == want
            vwap = sum(t["price"] * t["amount"] for t in group) / sum(t["amount"] for t in group)
            assert candle["vwap"] == pytest.approx(vwap, rel=1e-12)


def test_liquidity_minute_spread_is_the_mean_over_snapshot_metrics(run):
    spreads = defaultdict(list)
    for row in run.marts("select exchange, symbol, minute, spread_bps from fct_orderbook_snapshot_metrics"):
        if row["spread_bps"] is not None:
            spreads[(row["exchange"], row["symbol"], row["minute"])].append(row["spread_bps"])
    rows = run.marts("select exchange, symbol, minute, mean_spread_bps from fct_liquidity_minute")
    assert len(rows) == len(spreads) >= 3 * 30
    for row in rows:
        assert row["mean_spread_bps"] == pytest.approx(
            math.fsum(spreads[(row["exchange"], row["symbol"], row["minute"])])
            / len(spreads[(row["exchange"], row["symbol"], row["minute"])]), rel=1e-12)
