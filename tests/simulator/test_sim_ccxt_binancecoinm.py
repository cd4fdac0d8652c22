"""The unmodified ccxt.binancecoinm against venues.yaml: inverse markets (contracts of 100 / 10 USD),
books, trades, candles and tickers in contracts with the base-unit figures COIN-M adds, funding,
open interest and the /futures/data ratios keyed by pair, equal to the simulator's model."""
from __future__ import annotations

import ccxt
import pytest

from simulator.candles import candle
from simulator.derivatives import funding_rate_of_period, long_short, mark_price, open_interest
from simulator.ticker import ticker_stats
from simulator.trades import trades_before, trades_in_minute

MINUTE = 60_000
EIGHT_HOURS = 8 * 3_600_000
BTC = "BTC/USD:BTC"


@pytest.fixture(scope="module")
def coinm(venues_sim):
    from simulator.ccxt_hosts import simulated_exchange

    exchange = simulated_exchange("binancecoinm", venues_sim.url, enableRateLimit=False)
    exchange.load_markets()
    return exchange


@pytest.fixture(scope="module")
def now(venues_sim, venues_scenario) -> int:
    t = venues_scenario.day_start_ms + 3_600_000 + 1234  # 01:00:01.234
    venues_sim.set_clock(t)
    return t


@pytest.fixture(scope="module")
def model(venues_world):
    return venues_world.market("binancecoinm", BTC)


def test_markets_are_inverse_with_their_contract_size(coinm):
    assert set(coinm.markets) == {BTC, "ETH/USD:ETH"}
    btc, eth = coinm.markets[BTC], coinm.markets["ETH/USD:ETH"]
    assert (btc["id"], btc["type"], btc["settle"], btc["inverse"], btc["linear"]) == (
        "BTCUSD_PERP", "swap", "BTC", True, False)
    assert (btc["contractSize"], eth["contractSize"]) == (100.0, 10.0)
    assert (btc["info"]["pair"], btc["info"]["contractType"], btc["info"]["marginAsset"]) == (
        "BTCUSD", "PERPETUAL", "BTC")
    assert btc["precision"] == {**btc["precision"], "price": 0.1, "amount": 1.0}


def test_trades_in_contracts_with_their_base_quantity(coinm, model, now):
    raw = coinm.dapiPublicGetTrades({"symbol": "BTCUSD_PERP", "limit": 5})
    expected = trades_before(model, now, 5)
    assert [(int(r["id"]), float(r["qty"])) for r in raw] == [(t.id, t.amount) for t in expected]
    for row, trade in zip(raw, expected):  # baseQty = contracts × 100 USD / price
        assert float(row["baseQty"]) == round(trade.amount * 100 / trade.price, 8)
        assert trade.amount == int(trade.amount) >= 1


def test_candles_count_contracts_and_carry_the_base_volume(coinm, model, now):
    minute = now // MINUTE - 2
    raw = coinm.dapiPublicGetKlines({"symbol": "BTCUSD_PERP", "interval": "1m", "startTime": minute * MINUTE,
                                     "limit": 1})
    trades = trades_in_minute(model, minute)
    assert float(raw[0][5]) == sum(t.amount for t in trades) == candle(model, minute * MINUTE, MINUTE, now).volume
    assert float(raw[0][7]) == round(sum(t.amount * 100 / t.price for t in trades), 8)  # BTC
    parsed = coinm.fetch_ohlcv(BTC, "1m", since=minute * MINUTE, limit=1)
    assert parsed[0][5] == float(raw[0][7])  # what ccxt (and so the lake) calls the volume: base units


def test_ticker_volume_in_contracts_and_base_volume_in_btc(coinm, model, now):
    (raw,) = coinm.dapiPublicGetTicker24hr({"symbol": "BTCUSD_PERP"})
    stats = ticker_stats(model, now)
    assert (raw["pair"], float(raw["volume"]), "bidPrice" in raw) == ("BTCUSD", stats.base_volume, False)
    assert float(raw["baseVolume"]) == stats.volume_in_base == round(stats.base_volume * 100 / stats.last, 8)
    assert coinm.fetch_ticker(BTC)["baseVolume"] == stats.volume_in_base


def test_funding_and_its_history(coinm, model, now):
    (raw,) = coinm.dapiPublicGetPremiumIndex({"pair": "BTCUSD"})
    assert (raw["symbol"], float(raw["markPrice"])) == ("BTCUSD_PERP", mark_price(model, now))
    history = coinm.fetch_funding_rate_history(BTC, limit=3)
    assert [h["timestamp"] for h in history] == [now - now % EIGHT_HOURS - k * EIGHT_HOURS for k in (2, 1, 0)]
    for h in history:  # the rate settled at the end of its period
        assert h["fundingRate"] == funding_rate_of_period(model, h["timestamp"] // EIGHT_HOURS - 1)


def test_open_interest_history_by_pair_and_contract_type(coinm, model, now):
    rows = coinm.dapiDataGetOpenInterestHist({"pair": "BTCUSD", "contractType": "PERPETUAL", "period": "5m",
                                               "limit": 2})
    for row in rows:
        truth = open_interest(model, int(row["timestamp"]))
        assert (float(row["sumOpenInterest"]), float(row["sumOpenInterestValue"])) == (truth.contracts, truth.base)
        assert truth.base == round(truth.contracts * 100 / mark_price(model, int(row["timestamp"])), 8)
    assert coinm.dapiDataGetOpenInterestHist({"pair": "BTCUSD", "contractType": "CURRENT_QUARTER",
                                              "period": "5m"}) == []  # no delivery contracts listed
    with pytest.raises(ccxt.BadRequest, match="-1102.*contractType"):
        coinm.dapiDataGetOpenInterestHist({"pair": "BTCUSD", "period": "5m"})
    with pytest.raises(ccxt.BadSymbol, match="-1121"):
        coinm.dapiDataGetOpenInterestHist({"pair": "DOGEUSD", "contractType": "PERPETUAL", "period": "5m"})


def test_long_short_ratios_by_pair(coinm, model, now):
    positions = coinm.dapiDataGetTopLongShortPositionRatio({"pair": "BTCUSD", "period": "15m", "limit": 2})
    assert [int(r["timestamp"]) for r in positions] == [now - now % 900_000 - 900_000, now - now % 900_000]
    for row in positions:
        truth = long_short(model, int(row["timestamp"]), "top_positions")
        assert (float(row["longShortRatio"]), float(row["longPosition"]), float(row["shortPosition"])) == (
            truth.ratio, truth.long, truth.short)
    accounts = coinm.dapiDataGetTopLongShortAccountRatio({"symbol": "BTCUSD", "period": "5m", "limit": 1})
    truth = long_short(model, int(accounts[0]["timestamp"]), "top_accounts")
    assert (accounts[0]["pair"], float(accounts[0]["longAccount"])) == ("BTCUSD", truth.long)
    with pytest.raises(ccxt.BadRequest, match="-1102.*pair"):
        coinm.dapiDataGetGlobalLongShortAccountRatio({"period": "5m"})
