"""Contract-quoted and coin-margined perps end to end: the real ccxt classes of okx, gate and
kucoinfutures (linear contracts of 0.01 / 0.0001 / 0.001 BTC) and binancecoinm (inverse contracts
of 100 USD) collect a simulated day beside a base-unit perp and a spot market; the marts give
every spec §3 field of the ground truth, and each snapshot's depth and slippage in base units /
USD equal those of the book the simulator served."""
from __future__ import annotations

from pathlib import Path

import pytest

from collected_day import collect_and_build
from marts import assert_marts_equal_truth, daily_rows, query

CONTRACT_PERPS = Path(__file__).resolve().parents[2] / "scenarios" / "contract_perps.yaml"
CADENCE_MS = 60_000
BOOK_LEVELS = 100


def _band_depth_usd(levels, mid: float, band_bps: float, side: str) -> float:
    """Σ price × base amount of the side's levels within `band_bps` of the mid (bounds inclusive)."""
    if side == "bid":
        return sum(p * a for p, a in levels if p >= mid * (1 - band_bps / 10_000))
    return sum(p * a for p, a in levels if p <= mid * (1 + band_bps / 10_000))


def _slippage_bps(levels, mid: float, notional: float, side: str) -> float | None:
    """Walk the opposite side from the touch for `notional` (partial last level); None when it runs out."""
    filled_quote = filled_base = 0.0
    for price, amount in levels:
        take = min(amount, (notional - filled_quote) / price)
        filled_quote, filled_base = filled_quote + take * price, filled_base + take
        if filled_quote >= notional * (1 - 1e-12):
            vwap = filled_quote / filled_base
            return (vwap - mid) / mid * 10_000 if side == "buy" else (mid - vwap) / mid * 10_000
    return None


@pytest.fixture(scope="module")
def perps_day(tmp_path_factory, dbt_manifest):
    """The day collected over HTTP and built through Dagster: (warehouse, truth, scenario, day)."""
    collected = collect_and_build(CONTRACT_PERPS, tmp_path_factory.mktemp("contract_perps"), cadence_ms=CADENCE_MS)
    return collected.layout.warehouse, collected.truth, collected.scenario, collected.day


@pytest.mark.e2e
def test_every_compliance_field_equals_the_truth(perps_day):
    warehouse, truth, _, day = perps_day
    assert_marts_equal_truth(warehouse, truth, day)
    verdicts = {oid: row["verdict"] for oid, row in daily_rows(warehouse, day).items()}
    # okx thin 02:00-04:00 and binanceusdm wide 12:00-14:00 fail 95 %; the deep COIN-M obligation asks
    # more than the maker quotes (a book read in contracts would pass it); the others pass
    assert verdicts == {
        "arcadia-binance-btc": "pass", "arcadia-usdm-btc": "fail", "arcadia-okx-btc": "fail",
        "cobalt-kucoinfutures-btc": "pass", "borealis-gate-btc": "pass", "dunmore-coinm-btc": "pass",
        "dunmore-coinm-btc-deep": "fail",
    }


@pytest.mark.e2e
def test_depth_and_slippage_equal_the_served_books_in_base_units(perps_day):
    from mmwatch.collector.venues import book_request_limit
    from simulator.book import build_book
    from simulator.market import World

    warehouse, _, scenario, day = perps_day
    world = World(scenario)
    rows = query(warehouse, f"select * from fct_orderbook_snapshot_metrics where day = '{day}' "
                            f"and minute(to_timestamp(ts / 1000)) = 30 order by exchange, symbol, ts")
    markets = {(row["exchange"], row["symbol"]) for row in rows}
    assert markets == {(venue, m.symbol) for venue, v in scenario.venues.items() for m in v.markets}
    checked = 0
    for row in rows:
        model = world.market(row["exchange"], row["symbol"])
        book = build_book(model, row["ts"], book_request_limit(row["exchange"], model.market_type, BOOK_LEVELS))
        bids, asks = model.base_levels(book.bids), model.base_levels(book.asks)
        mid = (bids[0][0] + asks[0][0]) / 2
        where = (row["exchange"], row["symbol"], row["ts"])
        assert row["mid"] == pytest.approx(mid, rel=1e-12), where
        for band in (10, 50, 100, 200):
            assert row[f"depth_bid_usd_{band}"] == pytest.approx(_band_depth_usd(bids, mid, band, "bid"), rel=1e-9), where
            assert row[f"depth_ask_usd_{band}"] == pytest.approx(_band_depth_usd(asks, mid, band, "ask"), rel=1e-9), where
        assert row["best_bid_amount"] == pytest.approx(bids[0][1], rel=1e-12), where
        for notional in (1_000, 10_000, 100_000):
            for side, levels in (("buy", asks), ("sell", bids)):
                expected = _slippage_bps(levels, mid, notional, side)
                got = row[f"slippage_{side}_bps_{notional}"]
                assert (got is None) == (expected is None), where
                if expected is not None:
                    assert got == pytest.approx(expected, rel=1e-6, abs=1e-9), (where, side, notional)
        checked += 1
    assert checked == 24 * len(markets)  # one snapshot an hour (minute 30) of every market
