"""A streaming venue whose stream stays down falls back to REST polling and returns to streaming when
its stream is back (real ccxt.pro and ccxt classes against the simulator, wall clock): while the
Binance stream is silent (a venue-wide stall longer than fallback_after_s) the books landed are REST
snapshots (Binance's REST depth carries no event time), none is a streamed sample; afterwards the
samples are back; trades land once each across the hand-overs."""
from __future__ import annotations

from pathlib import Path

import pytest

from simulator.market import World
from simulator.process import SimulatorProcess
from simulator.scenario import load_scenario
from busy_scenario import busy_scenario
from stream_run import equals_truth, run_streaming, truth_trade_ids

VENUES = Path(__file__).resolve().parents[2] / "scenarios" / "venues.yaml"
SYMBOL = "BTC/USDT"
TRADES_PER_MINUTE = 600  # ten a second: trades before, during and after the fall-back, whatever the hour


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    """venues.yaml with busy trading on the market watched (its own rate is a few a minute at some
    hours: a 17 s window could hold three trades)."""
    return busy_scenario(VENUES, tmp_path_factory.mktemp("scenario"), {"binance": [SYMBOL]}, TRADES_PER_MINUTE)


@pytest.fixture(scope="module")
def world(scenario) -> World:
    return World(load_scenario(scenario))


@pytest.fixture(scope="module")
def fell_back(scenario, tmp_path_factory):
    from mmwatch.settings import DataDir

    venue = {"markets": [SYMBOL], "mode": "stream", "orderbook_levels": 50, "stall_after_s": 1,
             "fallback_after_s": 1.5, "orderbook_every_s": 1, "trades_every_s": 1}
    data_dir = DataDir.from_env(tmp_path_factory.mktemp("fallback") / "data").ensure()
    with SimulatorProcess(scenario, clock="wall", rate_limits="off") as sim:
        run = run_streaming(sim, {"binance": venue}, data_dir, 17,
                            [(3, lambda: sim.set_stream_fault("binance", "stall", seconds=8))])
    return run


def test_the_venue_went_stream_fallback_stream(fell_back):
    changes = fell_back.collector.streams["binance"].mode_changes
    assert [mode for _, mode in changes] == ["stream", "fallback", "stream"]
    assert 'mmwatch_collector_stream_fallbacks_total{exchange="binance"} 1.0' in fell_back.metrics_text


def test_rest_books_while_down_and_samples_before_and_after(fell_back, world):
    (_, _), (entered, _), (left, _) = fell_back.collector.streams["binance"].mode_changes
    books = fell_back.samples("binance", SYMBOL)
    streamed = books.filter(books["exchange_ts"].is_not_null())
    polled = books.filter(books["exchange_ts"].is_null())
    assert polled.height >= 3  # about one a second while it fell back
    assert polled["received_ts"].min() >= entered  # REST only once the stream was down for fallback_after_s
    assert polled.filter(polled["received_ts"] > left + 1000).is_empty()  # at most the poll under way when it came back
    assert streamed.filter((streamed["received_ts"] >= entered) & (streamed["received_ts"] <= left)).is_empty()
    assert streamed.filter(streamed["received_ts"] < entered).height > 0
    assert streamed.filter(streamed["received_ts"] > left).height > 3
    for row in books.iter_rows(named=True):
        assert equals_truth(world, row, 50), (row["nonce"], row["exchange_ts"])
    interval = fell_back.out_of_sync("binance", SYMBOL)
    assert [i["cause"] for i in interval] == ["stall"]
    assert int(interval[0]["from"]) < entered < left == int(interval[0]["to"])


def test_trades_land_once_across_stream_rest_and_back(fell_back, world):
    (_, _), (entered, _), (left, _) = fell_back.collector.streams["binance"].mode_changes
    trades = fell_back.trades.sort("exchange_ts", "trade_id")
    ids = trades["trade_id"].to_list()
    assert len(ids) == len(set(ids))
    ts = trades["exchange_ts"]
    assert ts.min() < entered and ((ts > entered) & (ts < left)).any() and ts.max() > left  # all three phases
    assert sorted(ids, key=int) == truth_trade_ids(world, "binance", SYMBOL, trades)
