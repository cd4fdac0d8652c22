"""Ground truth of contract-quoted perpetuals in base units (spec units): a hand-computed inverse book
(Binance COIN-M, contracts of 100 USD), the same book on a linear contract venue (OKX, 0.01 BTC a
contract) and on a base-unit venue, the inverse arithmetic, the scenario rules for inverse markets,
and the verdicts of scenarios/contract_perps.yaml."""
from __future__ import annotations

import copy

import pytest

from mmwatch.errors import ConfigError
from simulator.market import World
from simulator.sampling import sample
from simulator.scenario import load_scenario, parse_scenario
from simulator.truth import TruthRecorder
from simulator.venue import VenueContext

# No maker, no drift, no basis: at 00:00 the fair price is exactly 100,000.3 and every venue serves
# three background levels a side at 50, 100 and 150 bps, each one amount step (the background size is
# far below one step): bids floor(100000.3 × (1 − d) / 0.1) ticks, asks ceil(100000.3 × (1 + d) / 0.1).
BIDS = [99500.2, 99000.2, 98500.2]
ASKS = [100500.4, 101000.4, 101500.4]
MARKETS = {"binancecoinm": "BTC/USD:BTC", "okx": "BTC/USDT:USDT", "binanceusdm": "BTC/USDT:USDT"}


def _perp(symbol: str, amount_step: float, contract_size: float, size: float, **extra) -> dict:
    return {"symbol": symbol, "market_type": "swap", "tick_size": 0.1, "amount_step": amount_step,
            "contract_size": contract_size, "trades_per_minute": 0, "trade_size": 0.01, "perp": {"basis_bps": 0},
            "background": {"levels": 3, "distance_bps": 50, "step_bps": 50, "size": size}, **extra}


def _obligation(venue: str, band: int) -> dict:
    return {"obligation_id": f"{venue}-{band}", "mm_name": "Hand", "exchange": venue, "market_type": "swap",
            "symbol": MARKETS[venue], "valid_from": "2026-11-01", "max_spread_bps": 150, "depth_band_bps": band,
            "min_depth_usd": 250, "min_uptime_pct": 90}


@pytest.fixture(scope="module")
def hand_scenario():
    return parse_scenario({
        "seed": 1, "date": "2026-11-20", "assets": {"BTC/USDT": {"start_price": 100000.3, "volatility_bps": 0}},
        "venues": {
            # 100 USD a contract, steps of 1 contract; the background is 0.0001 BTC ≈ 0.1 contract → 1
            "binancecoinm": {"markets": [_perp("BTC/USD:BTC", 1, 100, 0.0001, asset="BTC/USDT")]},
            # 0.01 BTC a contract, steps of 1 contract; background 0.001 BTC = 0.1 contract → 1
            "okx": {"markets": [_perp("BTC/USDT:USDT", 1, 0.01, 0.001)]},
            # base units, steps of 0.01 BTC: the same 0.01 BTC a level as on OKX
            "binanceusdm": {"markets": [_perp("BTC/USDT:USDT", 0.01, 1, 0.001)]}},
        "obligations": [_obligation(venue, band) for venue in MARKETS for band in (100, 200)]})


@pytest.fixture(scope="module")
def served(hand_scenario):
    """Every hand market's book served once at 00:00 and the truth recorded from it."""
    world, truth = World(hand_scenario), TruthRecorder(hand_scenario.obligations)
    t = hand_scenario.day_start_ms
    books = {venue: VenueContext(world, venue, t, truth).serve_book(world.market(venue, symbol), 10)
             for venue, symbol in MARKETS.items()}
    verdicts = {o.obligation_id: truth.verdicts(o)[0] for o in hand_scenario.obligations}
    return books, {key: next(iter(by_day.values()))[0] for key, by_day in verdicts.items()}


def test_the_venues_serve_contracts(served):
    books, _ = served
    for venue, amount in (("binancecoinm", 1.0), ("okx", 1.0), ("binanceusdm", 0.01)):
        assert books[venue].bids == [(p, amount) for p in BIDS], venue
        assert books[venue].asks == [(p, amount) for p in ASKS], venue


def test_inverse_truth_depth_is_contracts_times_100_usd(served):
    _, verdicts = served
    # mid 100,000.3; 200 bps: bids >= 98,000.294 and asks <= 102,000.306 hold all three levels; 100 bps:
    # bids >= 99,000.297 and asks <= 101,000.303 hold one. Each level: 1 contract = 100 / price BTC,
    # worth price × 100 / price = 100 USD.
    wide, narrow = verdicts["binancecoinm-200"], verdicts["binancecoinm-100"]
    assert (wide.depth_bid_usd, wide.depth_ask_usd) == (pytest.approx(300.0), pytest.approx(300.0))
    assert (narrow.depth_bid_usd, narrow.depth_ask_usd) == (pytest.approx(100.0), pytest.approx(100.0))
    assert wide.spread_bps == pytest.approx((100500.4 - 99500.2) / 100000.3 * 10_000)
    assert (wide.compliant, narrow.compliant) == (True, False)  # 300 >= 250 USD, 100 < 250


def test_linear_contract_truth_depth_is_contracts_times_contract_size_times_price(served):
    _, verdicts = served
    wide, narrow = verdicts["okx-200"], verdicts["okx-100"]  # 1 contract = 0.01 BTC a level
    assert wide.depth_bid_usd == pytest.approx((99500.2 + 99000.2 + 98500.2) * 0.01)  # 2,970.006
    assert wide.depth_ask_usd == pytest.approx((100500.4 + 101000.4 + 101500.4) * 0.01)  # 3,030.012
    assert (narrow.depth_bid_usd, narrow.depth_ask_usd) == (pytest.approx(995.002), pytest.approx(1005.004))


def test_the_same_book_in_base_units_gives_the_same_depth(served):
    _, verdicts = served
    for band in (100, 200):
        okx, usdm = verdicts[f"okx-{band}"], verdicts[f"binanceusdm-{band}"]
        assert (okx.depth_bid_usd, okx.depth_ask_usd) == (usdm.depth_bid_usd, usdm.depth_ask_usd)


def test_inverse_and_linear_conversions(hand_scenario):
    world = World(hand_scenario)
    inverse, linear = world.market("binancecoinm", "BTC/USD:BTC"), world.market("okx", "BTC/USDT:USDT")
    assert (inverse.inverse, linear.inverse) == (True, False)
    assert inverse.market_id == "BTCUSD_PERP"
    assert inverse.base_amount(10, 50_000.0) == 0.02 and inverse.quote_amount(10, 50_000.0) == 1000
    assert inverse.venue_amount(0.02, 50_000.0) == 10
    assert linear.base_amount(150, 50_000.0) == 1.5 and linear.quote_amount(150, 50_000.0) == 75_000
    assert inverse.base_levels([(50_000.0, 10.0), (40_000.0, 4.0)]) == [(50_000.0, 0.02), (40_000.0, 0.01)]
    assert linear.base_levels([(50_000.0, 150.0)]) == [(50_000.0, 1.5)]


def test_inverse_markets_only_on_venues_that_list_them(hand_scenario):
    data = hand_scenario.model_dump(mode="json")
    wrong = copy.deepcopy(data)
    wrong["venues"]["okx"]["markets"][0].update(symbol="BTC/USDT:BTC")
    with pytest.raises(ConfigError, match=r"okx.markets\[0\]: BTC/USDT:BTC is an inverse perpetual but okx lists "
                                          r"only linear .* inverse perpetuals go on binancecoinm"):
        parse_scenario(wrong, "hand.yaml")
    wrong = copy.deepcopy(data)
    wrong["venues"]["binancecoinm"]["markets"][0].update(symbol="BTC/USD:USD")
    with pytest.raises(ConfigError, match=r"BTC/USD:USD is a linear perpetual but binancecoinm lists only inverse"):
        parse_scenario(wrong, "hand.yaml")
    wrong = copy.deepcopy(data)
    wrong["venues"]["binancecoinm"]["markets"][0].update(asset="BTC/USDC")
    with pytest.raises(ConfigError, match="BTC/USD:BTC has no start_price and assets has no 'BTC/USDC'"):
        parse_scenario(wrong, "hand.yaml")


def test_contract_perps_scenario_verdicts():
    """scenarios/contract_perps.yaml judged from one book a minute: the windows it documents."""
    from pathlib import Path

    scenario = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "contract_perps.yaml")
    report = sample(scenario, 60_000).report()
    days = {o["obligation_id"]: o["days"][0] for o in report["obligations"]}
    assert {key: day["verdict"] for key, day in days.items()} == {
        "arcadia-binance-btc": "pass", "arcadia-usdm-btc": "fail", "arcadia-okx-btc": "fail",
        "cobalt-kucoinfutures-btc": "pass", "borealis-gate-btc": "pass", "dunmore-coinm-btc": "pass",
        "dunmore-coinm-btc-deep": "fail"}
    # 120 of 1440 minutes wide or thin: 91.67 %; gate 30 wide minutes: 97.92 %; coinm 20 thin: 98.61 %
    assert days["arcadia-okx-btc"]["uptime_pct"] == pytest.approx(100 * 1320 / 1440)
    assert days["arcadia-usdm-btc"]["uptime_pct"] == pytest.approx(100 * 1320 / 1440)
    assert days["borealis-gate-btc"]["uptime_pct"] == pytest.approx(100 * 1410 / 1440)
    assert days["dunmore-coinm-btc"]["uptime_pct"] == pytest.approx(100 * 1420 / 1440)
    assert days["dunmore-coinm-btc-deep"]["uptime_pct"] == 0.0
    assert all(day["usd_rate_missing_snapshots"] == 0 and day["coverage_pct"] == 100.0 for day in days.values())
