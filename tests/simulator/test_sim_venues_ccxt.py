"""Every venue and data set: the real ccxt class over HTTP against venues.yaml, values equal to the
simulator's pure functions at the same instant (amounts in the venue's units: contracts where the
venue counts contracts, of contract_size quote units on binancecoinm's inverse perpetuals)."""
from __future__ import annotations

import pytest

from simulator.book import order_book
from simulator.candles import candle
from simulator.datasets import SUPPORTED_DATASETS, VENUE_MARKET_TYPES, supports
from simulator.derivatives import funding, index_price, long_short, mark_price, open_interest
from simulator.flows import fund_flow
from simulator.ticker import ticker_stats
from simulator.trades import trades_before, trades_between

MINUTE = 60_000
CASES = [(venue, market_type) for venue, types in VENUE_MARKET_TYPES.items() for market_type in types]
IDS = [f"{venue}-{market_type}" for venue, market_type in CASES]


@pytest.fixture(scope="module")
def now(venues_sim, venues_scenario) -> int:
    t = venues_scenario.day_start_ms + 3_600_000 + 1234  # 01:00:01.234, every venue up
    venues_sim.set_clock(t)
    return t


def _model(world, venue: str, market_type: str):
    return next(m for m in world.venue_markets(venue) if m.market_type == market_type)


def _cases(dataset: str) -> list:
    return [pytest.param(v, t, id=f"{v}-{t}") for v, t in CASES if supports(v, t, dataset)]


def test_every_venue_lists_its_scenario_markets_with_contract_sizes(exchanges, venues_world):
    for venue, exchange in exchanges.items():
        expected = {m.symbol: m for m in venues_world.venue_markets(venue)}
        assert set(exchange.markets) == set(expected), venue
        for symbol, model in expected.items():
            market = exchange.markets[symbol]
            assert market["id"] == model.market_id and market["type"] == model.market_type
            assert market["precision"]["price"] == model.market.tick_size
            if model.is_swap:
                assert market["contractSize"] == model.contract_size
                assert (market["linear"], market["inverse"]) == (not model.inverse, model.inverse), symbol
                assert model.inverse == (venue == "binancecoinm")


def test_the_table_names_every_venue_and_market_type():
    assert set(SUPPORTED_DATASETS) == set(VENUE_MARKET_TYPES)
    for venue, types in VENUE_MARKET_TYPES.items():
        assert set(SUPPORTED_DATASETS[venue]) == set(types)
    assert not supports("kucoin", "spot", "funding") and not supports("gate", "swap", "open_interest")
    assert supports("bitget", "spot", "fund_flow") and not supports("bitget", "swap", "fund_flow")


@pytest.mark.parametrize("venue, market_type", _cases("orderbooks"))
def test_order_book(exchanges, venues_world, now, venue, market_type):
    model = _model(venues_world, venue, market_type)
    book = exchanges[venue].fetch_order_book(model.symbol, 20)
    expected = order_book(venues_world, venue, model.symbol, now, 20)
    assert [tuple(level[:2]) for level in book["bids"]] == expected.bids
    assert [tuple(level[:2]) for level in book["asks"]] == expected.asks
    assert len(expected.bids) == 20
    if venue == "kucoinfutures":  # the virtual clock streams nothing: its redraw period's first sequence
        from simulator.streams.dialects.kucoinfutures import period_start
        from simulator.streams.updates import update_id_at

        assert book["nonce"] == period_start(model, update_id_at(venues_world, venue, now)) > 0


@pytest.mark.parametrize("venue, market_type", _cases("trades"))
def test_latest_trades(exchanges, venues_world, now, venue, market_type):
    model = _model(venues_world, venue, market_type)
    fetched = exchanges[venue].fetch_trades(model.symbol, limit=20)
    expected = trades_before(model, now, 20)
    assert [(t["timestamp"], t["price"], t["amount"], t["side"]) for t in fetched] == [
        (t.ts, t.price, t.amount, t.side) for t in expected]
    ids = [t["id"] for t in fetched]
    assert ids == [str(t.id) for t in expected] or venue == "kucoin"  # KuCoin spot prints no trade id


SINCE_VENUES = [("binance", "spot"), ("binancecoinm", "swap"), ("binanceusdm", "swap"), ("bitget", "spot"),
                ("bitget", "swap"), ("gate", "swap")]


@pytest.mark.parametrize("venue, market_type", SINCE_VENUES)
def test_trades_since_cursor_gets_every_trade_once(exchanges, venues_world, now, venue, market_type):
    model = _model(venues_world, venue, market_type)
    since = now - 3 * MINUTE
    fetched = exchanges[venue].fetch_trades(model.symbol, since=since, limit=1000)
    expected = trades_between(model, since, now, 10_000)
    assert [int(t["id"]) for t in fetched] == [t.id for t in expected]
    ids = [t.id for t in expected]
    assert len(ids) >= 2 * model.market.trades_per_minute and ids == list(range(ids[0], ids[0] + len(ids)))


@pytest.mark.parametrize("venue, market_type", _cases("tickers"))
def test_tickers(exchanges, venues_world, now, venue, market_type):
    model = _model(venues_world, venue, market_type)
    ticker = exchanges[venue].fetch_tickers([model.symbol])[model.symbol]
    stats = ticker_stats(model, now)
    assert (ticker["last"], ticker["high"], ticker["low"]) == (stats.last, stats.high, stats.low)
    if ticker["bid"] is not None:  # KuCoin futures' contract list carries no touch
        assert (ticker["bid"], ticker["ask"]) == (stats.bid, stats.ask)
    if model.is_swap and ticker["markPrice"] is not None:
        assert ticker["markPrice"] == mark_price(model, now)


@pytest.mark.parametrize("venue, market_type", _cases("ohlcv"))
def test_one_minute_candles(exchanges, venues_world, now, venue, market_type):
    model = _model(venues_world, venue, market_type)
    since = now - 5 * MINUTE
    rows = exchanges[venue].fetch_ohlcv(model.symbol, "1m", since=since, limit=3)
    assert len(rows) >= 2 and all(r[0] % MINUTE == 0 and since <= r[0] <= now for r in rows)
    volume_unit = model.contract_size if (venue == "okx" and model.is_swap) else 1  # OKX swaps: volCcy (base)
    for ts, o, h, low, c, v in rows:
        want = candle(model, ts, MINUTE, now)
        assert (o, h, low, c) == (want.open, want.high, want.low, want.close)
        if model.inverse:  # COIN-M: ccxt reads the base volume (contracts × 100 USD / price, per trade)
            assert v == want.base_volume and want.base_volume != want.volume
        else:
            assert v == pytest.approx(want.volume * volume_unit, rel=1e-9)


@pytest.mark.parametrize("venue, market_type", _cases("funding"))
def test_funding_rate_and_next_funding_time(exchanges, venues_world, now, venue, market_type):
    model = _model(venues_world, venue, market_type)
    exchange = exchanges[venue]
    rate = (exchange.fetch_funding_rates([model.symbol])[model.symbol] if venue == "bybit"
            else exchange.fetch_funding_rate(model.symbol))
    state = funding(model, now)
    assert rate["fundingRate"] == state.rate
    assert rate["fundingTimestamp"] == state.next_funding_ms == now - now % (8 * 3_600_000) + 8 * 3_600_000
    if rate["markPrice"] is not None:
        assert (rate["markPrice"], rate["indexPrice"]) == (mark_price(model, now), index_price(model, now))


@pytest.mark.parametrize("venue, market_type", _cases("mark_price"))
def test_mark_and_index_price(exchanges, venues_world, now, venue, market_type):
    model = _model(venues_world, venue, market_type)
    exchange = exchanges[venue]
    if venue in ("binancecoinm", "binanceusdm", "kucoinfutures", "okx"):
        ticker = exchange.fetch_mark_price(model.symbol)
    else:
        ticker = exchange.fetch_tickers([model.symbol])[model.symbol]
    assert ticker["markPrice"] == mark_price(model, now)
    if ticker["indexPrice"] is not None:  # OKX's mark-price endpoint carries no index
        assert ticker["indexPrice"] == index_price(model, now)
    basis = mark_price(model, now) / index_price(model, now) - 1
    assert basis == pytest.approx((1 + model.basis_bps(now) / 1e4) * model.offset - 1, abs=2e-6)


@pytest.mark.parametrize("venue, market_type", _cases("open_interest"))
def test_open_interest_now(exchanges, venues_world, now, venue, market_type):
    model = _model(venues_world, venue, market_type)
    oi = exchanges[venue].fetch_open_interest(model.symbol)
    at = oi["timestamp"]
    assert at == (now - now % 3_600_000 if venue == "bybit" else now)  # Bybit: the latest 1 h reading
    assert oi["openInterestAmount"] == open_interest(model, at).contracts


@pytest.mark.parametrize("venue, market_type", _cases("open_interest_history"))
def test_open_interest_history(exchanges, venues_world, now, venue, market_type):
    model = _model(venues_world, venue, market_type)
    rows = exchanges[venue].fetch_open_interest_history(model.symbol, "5m", since=now - 15 * MINUTE, limit=3)
    assert len(rows) == 3 and [r["timestamp"] % (5 * MINUTE) for r in rows] == [0, 0, 0]
    for row in rows:
        truth = open_interest(model, row["timestamp"])
        assert row["openInterestAmount"] == (truth.base if venue == "binanceusdm" else truth.contracts)
        if venue == "binancecoinm":  # contracts; the value COIN-M sends is in the base asset
            assert row["openInterestValue"] == truth.base


@pytest.mark.parametrize("venue, market_type", _cases("long_short_ratio"))
def test_long_short_ratio_history(exchanges, venues_world, now, venue, market_type):
    model = _model(venues_world, venue, market_type)
    rows = exchanges[venue].fetch_long_short_ratio_history(model.symbol, "1h", limit=3)
    assert rows and all(r["timestamp"] % 3_600_000 == 0 and r["timestamp"] <= now for r in rows)
    for row in rows:
        truth = long_short(model, row["timestamp"], "accounts")
        want = truth.long / truth.short if venue == "bybit" else truth.ratio  # Bybit sends the two shares
        assert row["longShortRatio"] == pytest.approx(want, rel=1e-9)


def test_binance_top_traders_position_ratio(exchanges, venues_world, now):
    model = venues_world.market("binanceusdm", "ETH/USDT:USDT")
    rows = exchanges["binanceusdm"].fapiDataGetTopLongShortPositionRatio(
        {"symbol": "ETHUSDT", "period": "15m", "limit": 4})
    assert [r["timestamp"] for r in rows] == [now - now % 900_000 - k * 900_000 for k in (3, 2, 1, 0)]
    for row in rows:
        truth = long_short(model, row["timestamp"], "top_positions")
        assert (float(row["longShortRatio"]), float(row["longAccount"]), float(row["shortAccount"])) == (
            truth.ratio, truth.long, truth.short)


def test_bitget_spot_fund_flow_and_whale_flow(exchanges, venues_world, now):
    model = venues_world.market("bitget", "BTC/USDT")
    data = exchanges["bitget"].publicUtaGetV3MarketSpotFundFlow({"symbol": "BTCUSDT", "period": "1h"})["data"]
    flow = fund_flow(model, now, 3_600_000)
    for cls in ("whale", "dolphin", "fish"):
        assert float(data[f"{cls}BuyVolume"]) == flow.buy[cls] and float(data[f"{cls}SellVolume"]) == flow.sell[cls]
    traded = sum(t.price * t.amount for t in trades_between(model, now - 3_600_000 + 1, now, 10**6))
    assert sum(flow.buy.values()) + sum(flow.sell.values()) == pytest.approx(traded, rel=1e-9)
    whale = exchanges["bitget"].publicUtaGetV3MarketSpotWhaleFlow({"symbol": "BTCUSDT", "period": "1h", "limit": 3})
    last = whale["data"][-1]
    hour = fund_flow(model, int(last["ts"]) + 3_600_000 - 1, 3_600_000)
    assert float(last["netFlow"]) == round(hour.buy["whale"] - hour.sell["whale"], 2)


def test_gate_contract_stats(exchanges, venues_world, now):
    model = venues_world.market("gate", "ETH/USDT:USDT")
    rows = exchanges["gate"].publicFuturesGetSettleContractStats(
        {"settle": "usdt", "contract": "ETH_USDT", "interval": "5m", "limit": 2})
    assert [r["time"] * 1000 for r in rows] == [now - now % 300_000 - 300_000, now - now % 300_000]
    for row in rows:
        ts = row["time"] * 1000
        oi = open_interest(model, ts)
        assert (row["open_interest"], row["open_interest_usd"], row["mark_price"]) == (
            oi.contracts, oi.value, mark_price(model, ts))
        assert row["lsr_account"] == long_short(model, ts, "accounts").ratio
        assert row["top_lsr_size"] == long_short(model, ts, "top_positions").ratio
