"""Pure functions behind the venues: shared asset paths with offset and lag, perpetuals, candles,
flows and the scenario rules for them (hand-computed where it is arithmetic)."""
from __future__ import annotations

import copy

import pytest
import yaml

from mmwatch.errors import ConfigError
from simulator.book import build_book
from simulator.candles import candle, candles
from simulator.derivatives import funding, funding_rate_of_period, long_short, open_interest, period_starts
from simulator.flows import trade_class
from simulator.market import World
from simulator.scenario import parse_scenario
from simulator.trades import trades_in_minute

HOUR = 3_600_000


def test_venues_quote_the_shared_asset_path_with_their_offset_and_lag(venues_world, venues_scenario):
    t = venues_scenario.day_start_ms + 5 * HOUR + 250
    binance = venues_world.market("binance", "BTC/USDT")
    gate = venues_world.market("gate", "BTC/USDT")  # -3 bps, 2 s late
    assert binance.fair_price(t) == binance.reference_price(t)
    assert gate.fair_price(t) == pytest.approx(binance.fair_price(t - 2000) * (1 - 3 / 10_000), rel=1e-12)
    assert gate.fair_price(t) != binance.fair_price(t)  # cross-venue dispersion


def test_perp_mark_is_index_times_offset_and_basis(venues_world, venues_scenario):
    perp = venues_world.market("okx", "BTC/USDT:USDT")  # -1 bps, 0.3 s, basis 3.5 bps ± half over the day
    t = venues_scenario.day_start_ms + 6 * HOUR  # a quarter day: sin = 1 → basis 3.5 × 1.5 = 5.25 bps
    assert perp.basis_bps(t) == pytest.approx(5.25)
    assert perp.fair_price(t) == pytest.approx(perp.reference_price(t) * (1 - 1e-4) * (1 + 5.25e-4), rel=1e-12)


def test_funding_periods_and_rates(venues_world, venues_scenario):
    perp = venues_world.market("bybit", "ETH/USDT:USDT")  # 8 h, mean 0.00015 ± 0.00005
    day = venues_scenario.day_start_ms
    state = funding(perp, day + 9 * HOUR + 1)
    assert (state.period_start_ms, state.next_funding_ms, state.interval_ms) == (day + 8 * HOUR, day + 16 * HOUR, 8 * HOUR)
    assert state.rate == funding(perp, day + 15 * HOUR + 59 * 60_000).rate  # constant within a period
    rates = [funding_rate_of_period(perp, k) for k in range(day // (8 * HOUR), day // (8 * HOUR) + 30)]
    assert all(0.0001 <= r <= 0.0002 for r in rates) and len(set(rates)) > 20


def test_open_interest_in_contracts_where_the_venue_counts_contracts(venues_world, venues_scenario):
    t = venues_scenario.day_start_ms + HOUR
    okx, bybit = venues_world.market("okx", "BTC/USDT:USDT"), venues_world.market("bybit", "BTC/USDT:USDT")
    oi = open_interest(okx, t)  # ctVal 0.01 BTC
    assert oi.contracts == round(oi.base / 0.01) and oi.contracts == int(oi.contracts)
    assert oi.value == pytest.approx(oi.base * okx.round_price(okx.fair_price(t)), abs=0.01)
    assert open_interest(bybit, t).contracts == open_interest(bybit, t).base  # Bybit linear counts base units


def test_long_short_shares_sum_to_one(venues_world, venues_scenario):
    model = venues_world.market("binanceusdm", "BTC/USDT:USDT")
    reading = long_short(model, venues_scenario.day_start_ms, "accounts")
    assert reading.long == round(reading.ratio / (1 + reading.ratio), 4)
    assert reading.long + reading.short == pytest.approx(1.0)
    with pytest.raises(ValueError, match="not one of"):
        long_short(model, 0, "whales")


def test_period_starts_windows():
    assert period_starts(300_000, 1_000_000, None, None, 3) == [300_000, 600_000, 900_000]
    assert period_starts(300_000, 1_000_000, 1, None, 2) == [300_000, 600_000]
    assert period_starts(300_000, 1_000_000, 0, 650_000, 10) == [0, 300_000, 600_000]


def test_candle_from_trades_and_contract_books(venues_world, venues_scenario):
    model = venues_world.market("gate", "ETH/USDT:USDT")  # contracts of 0.01 ETH
    minute = (venues_scenario.day_start_ms + HOUR) // 60_000
    trades = trades_in_minute(model, minute)
    c = candle(model, minute * 60_000, 60_000, minute * 60_000 + 60_000)
    assert (c.open, c.close, c.high, c.low) == (trades[0].price, trades[-1].price, max(t.price for t in trades),
                                                min(t.price for t in trades))
    assert c.volume == sum(t.amount for t in trades) and all(t.amount == int(t.amount) for t in trades)
    assert len(candles(model, 60_000, minute * 60_000 + 30_000, None, None, 5)) == 5
    book = build_book(model, minute * 60_000, 5)
    assert all(a == int(a) for _, a in book.bids + book.asks)  # whole contracts


def test_trade_classes():
    assert [trade_class(x) for x in (100_000, 99_999.99, 20_000, 19_999)] == ["whale", "dolphin", "dolphin", "fish"]


@pytest.fixture()
def venues_data(venues_path) -> dict:
    return yaml.safe_load(venues_path.read_text())


def _error_for(data: dict) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_scenario(data, "venues.yaml")
    return str(caught.value)


def test_scenario_rules_for_perps_assets_and_venues(venues_data):
    data = copy.deepcopy(venues_data)
    data["venues"]["okx"]["markets"][3]["symbol"] = "BTC/USDT"
    assert "a swap market needs a BASE/QUOTE:SETTLE symbol, got 'BTC/USDT'" in _error_for(data)
    data = copy.deepcopy(venues_data)
    del data["assets"]["DOGE/USDT"]
    assert "venues.binance.markets[4]: DOGE/USDT has no start_price and assets has no 'DOGE/USDT'" in _error_for(data)
    data = copy.deepcopy(venues_data)
    data["venues"]["kucoin"]["markets"].append(copy.deepcopy(data["venues"]["okx"]["markets"][3]))
    assert "kucoin.markets[4]: kucoin serves spot markets, not swap" in _error_for(data)
    data = copy.deepcopy(venues_data)
    data["venues"]["gate"]["down"] = [{"start": "01:00", "end": "02:00", "status": 404}]
    assert "venues.gate.down[0].status" in _error_for(data)


def test_down_windows_and_rate_limit_settings(venues_scenario):
    kucoin = venues_scenario.venues["kucoin"]
    assert kucoin.down_status(4 * HOUR) == 503 and kucoin.down_status(4 * HOUR + 15 * 60_000) is None
    assert World(venues_scenario).market("kucoinfutures", "BTC/USDT:USDT").market_id == "XBTUSDTM"
