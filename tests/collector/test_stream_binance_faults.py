"""The streaming collector (real ccxt.pro classes) against the simulator's Binance family on the wall
clock, with stream faults injected mid-run: every sampled book is the simulator's book at its update
id, level for level; each fault is an out-of-sync interval (cause and duration recorded) with no sample
inside it and none taken from a broken book before it; sampling resumes; trades land once each."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from simulator.market import World
from simulator.process import SimulatorProcess
from simulator.scenario import load_scenario
from stream_run import check_fault, equals_truth, run_streaming, truth_trade_ids

VENUES = Path(__file__).resolve().parents[2] / "scenarios" / "venues.yaml"
WORLD = World(load_scenario(VENUES))
LEVELS = 100
STREAM = {"mode": "stream", "orderbook_levels": LEVELS, "sample_every_ms": 500, "stall_after_s": 1}
# (venue, symbol, fault, stall seconds, second of the run it is armed, the cause the collector records)
FAULTS = [("binance", "BTC/USDT", "drop_update", None, 4, "gap"),
          ("binance", "ETH/USDT", "reorder_updates", None, 8, "gap"),
          ("binanceusdm", "BTC/USDT:USDT", "server_close", None, 4, "server_close"),
          ("binanceusdm", "ETH/USDT:USDT", "disconnect", None, 8, "disconnect"),
          ("binancecoinm", "BTC/USD:BTC", "stall", 2.5, 4, "stall")]
QUIET = ("binancecoinm", "ETH/USD:ETH")  # on a connection of its own venue; no fault of its own


@pytest.fixture(scope="module")
def sim():
    with SimulatorProcess(VENUES, clock="wall", rate_limits="off") as process:
        yield process


@pytest.fixture(scope="module")
def faulted(sim, tmp_path_factory):
    from mmwatch.settings import DataDir

    exchanges = {"binance": {"markets": ["BTC/USDT", "ETH/USDT"], **STREAM},
                 "binanceusdm": {"markets": ["BTC/USDT:USDT", "ETH/USDT:USDT"], **STREAM},
                 "binancecoinm": {"markets": ["BTC/USD:BTC", "ETH/USD:ETH"], **STREAM}}
    actions = [(at_s, lambda v=venue, s=symbol, f=fault, sec=seconds: sim.set_stream_fault(v, f, s, sec))
               for venue, symbol, fault, seconds, at_s, _ in FAULTS]
    data_dir = DataDir.from_env(tmp_path_factory.mktemp("streams") / "data").ensure()
    run = run_streaming(sim, exchanges, data_dir, 14, actions)
    return run, sim.stream_fault_log()


def test_every_sampled_book_is_the_simulators_book_at_its_update_id(faulted):
    run, _ = faulted
    assert run.books.height > 0
    for row in run.books.iter_rows(named=True):
        assert equals_truth(WORLD, row, LEVELS), (row["exchange"], row["symbol"], row["nonce"])
        assert len(row["bids"]) == LEVELS and len(row["asks"]) == LEVELS
        assert row["exchange_ts"] == row["nonce"] * 100  # the venue's event time of that update (100 ms ticks)
        assert row["received_ts"] >= row["exchange_ts"] and row["source"] == "collector"
    per_market = run.books.group_by("exchange", "symbol").len()
    assert per_market.height == 6 and per_market["len"].min() > 5


@pytest.mark.parametrize("venue,symbol,fault,seconds,at_s,cause", FAULTS, ids=[f[2] for f in FAULTS])
def test_a_fault_is_an_unsynced_interval_without_samples_then_sampling_resumes(
        faulted, venue, symbol, fault, seconds, at_s, cause):
    run, log = faulted
    check_fault(run, log, venue, symbol, fault, cause)


def test_a_market_without_faults_has_no_interval(faulted):
    run, _ = faulted
    assert run.out_of_sync(*QUIET) == [] and run.samples(*QUIET).height > 10


def test_trades_land_once_each_and_none_is_missing(faulted):
    run, _ = faulted
    for venue, symbol in (("binance", "BTC/USDT"), ("binanceusdm", "BTC/USDT:USDT"), ("binancecoinm", "BTC/USD:BTC")):
        landed = run.trades.filter((run.trades["exchange"] == venue) & (run.trades["symbol"] == symbol)).sort(
            "exchange_ts", pl.col("trade_id").cast(pl.Int64))  # ties in a millisecond: in id order
        assert landed.height >= 2, (venue, symbol)
        ids = landed["trade_id"].to_list()
        assert len(ids) == len(set(ids))
        # in time order, every trade once: reconnects included (backfilled over REST, once)
        assert ids == truth_trade_ids(WORLD, venue, symbol, landed)


def test_counters_and_metrics_say_what_happened(faulted):
    run, _ = faulted
    streams = run.collector.streams
    assert {venue: s.counters.mode for venue, s in streams.items()} == {
        "binance": "stream", "binanceusdm": "stream", "binancecoinm": "stream"}
    assert {venue: s.counters.resyncs for venue, s in streams.items()} == {
        "binance": 2, "binanceusdm": 2, "binancecoinm": 1}
    samples = {venue: run.books.filter(run.books["exchange"] == venue).height for venue in streams}
    assert {venue: s.counters.samples for venue, s in streams.items()} == samples
    assert f'mmwatch_collector_stream_sampled_books_total{{exchange="binance"}} {float(samples["binance"])}' in run.metrics_text
    assert 'mmwatch_collector_mode{exchange="binancecoinm",mode="stream"} 1.0' in run.metrics_text
    assert 'mmwatch_collector_stream_resyncs_total{exchange="binanceusdm"} 2.0' in run.metrics_text
    messages = streams["binance"].counters.messages
    assert messages > samples["binance"]  # ten book updates a second per market, and trades
