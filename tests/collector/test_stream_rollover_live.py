"""Planned connection roll-over, make before break (real ccxt.pro classes against the simulator, wall
clock): with `roll_over_after_s` of a few seconds on Binance, OKX and Bybit the collector opens a second
connection, waits until every book there is in sync, moves sampling and trades over and closes the old
one, repeatedly; no out-of-sync interval is recorded for it, the samples keep their cadence across every
switch, each is the simulator's book at its update id, and every trade lands exactly once."""
from __future__ import annotations

from pathlib import Path

import pytest

from simulator.market import World
from simulator.process import SimulatorProcess
from simulator.scenario import load_scenario
from busy_scenario import busy_scenario
from stream_run import equals_truth, run_streaming, truth_trade_ids

VENUES = Path(__file__).resolve().parents[2] / "scenarios" / "venues.yaml"
LEVELS = 20
EVERY_MS = 500
ROLL_S = 3
MARKETS = {"binance": ["BTC/USDT", "ETH/USDT"], "okx": ["BTC/USDT"], "bybit": ["BTC/USDT:USDT"]}
SECONDS = 13
TRADES_PER_MINUTE = 600  # ten a second: trades in flight at every switch


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """venues.yaml with busy trading on the markets watched."""
    return busy_scenario(VENUES, tmp_path_factory.mktemp("scenario"), MARKETS, TRADES_PER_MINUTE)


@pytest.fixture(scope="module")
def world(scenario):
    return World(load_scenario(scenario))


@pytest.fixture(scope="module")
def rolled(scenario, tmp_path_factory):
    from mmwatch.settings import DataDir

    exchanges = {venue: {"markets": markets, "mode": "stream", "orderbook_levels": LEVELS, "sample_every_ms": EVERY_MS,
                         "stall_after_s": 2, "roll_over_after_s": ROLL_S}
                 for venue, markets in MARKETS.items()}
    data_dir = DataDir.from_env(tmp_path_factory.mktemp("rollover") / "data").ensure()
    with SimulatorProcess(scenario, clock="wall", rate_limits="off") as sim:
        return run_streaming(sim, exchanges, data_dir, SECONDS)


def markets():
    return [(venue, symbol) for venue, symbols in MARKETS.items() for symbol in symbols]


def test_connections_roll_over_and_are_counted(rolled):
    streams = rolled.collector.streams
    for venue in MARKETS:
        counters = streams[venue].counters
        # connections 3 s old: the first roll-over at ~3 s, the next ~3 s after the previous one
        assert counters.rollovers >= 2, (venue, counters)
        assert counters.rollover_markets_kept == 0 and counters.mode == "stream"
        assert f'mmwatch_collector_stream_rollovers_total{{exchange="{venue}"}} {float(counters.rollovers)}' \
            in rolled.metrics_text
    lines = rolled.collector.progress_lines()
    binance = next(line for line in lines if line.startswith("binance: "))
    assert f"0 resyncs, {streams['binance'].counters.rollovers} roll-overs, " in binance


def test_a_roll_over_costs_no_unsynchronised_time(rolled):
    for venue, symbol in markets():
        assert rolled.out_of_sync(venue, symbol) == [], (venue, symbol)
    assert {venue: s.counters.resyncs for venue, s in rolled.collector.streams.items()} == dict.fromkeys(MARKETS, 0)


def test_samples_keep_their_cadence_across_every_switch(rolled):
    """Every tick that sampled any book sampled this one too: a switch never costs a market a sample.

    A gap longer than the cadence is allowed only where the collector's event loop sampled nothing at
    all (a machine too busy to wake it on time); judged against the samples of every other market,
    so a busy machine does not fail the test and a market skipped at its switch does."""
    everyone = rolled.books["received_ts"].to_list()
    for venue, symbol in markets():
        samples = rolled.samples(venue, symbol)
        received = samples["received_ts"].to_list()
        assert len(received) >= (SECONDS - 3) * 1000 // EVERY_MS, (venue, symbol, len(received))
        for earlier, later in zip(received, received[1:]):
            if later - earlier > EVERY_MS * 3 // 2:
                between = [ts for ts in everyone if earlier + EVERY_MS // 5 < ts < later - EVERY_MS // 5]
                assert not between, (venue, symbol, earlier, later, between)
        nonces = samples["nonce"].to_list()
        assert nonces == sorted(nonces), (venue, symbol)  # never back to an older book at a switch


def test_every_sample_is_the_simulators_book_at_its_update_id(rolled, world):
    assert rolled.books.height > 0
    for row in rolled.books.iter_rows(named=True):
        assert equals_truth(world, row, LEVELS), (row["exchange"], row["symbol"], row["nonce"])
        assert len(row["bids"]) == LEVELS and len(row["asks"]) == LEVELS


def test_trades_land_once_each_across_the_switches(rolled, world):
    for venue, symbol in markets():
        trades = rolled.trades
        landed = trades.filter((trades["exchange"] == venue) & (trades["symbol"] == symbol)).sort("exchange_ts")
        # the trades span several roll-overs (when the first one lands depends on the machine's load:
        # a count from the start of the run is not the point), and none is missing or doubled in it
        span_s = (landed["exchange_ts"][-1] - landed["exchange_ts"][0]) / 1000
        assert span_s >= 2 * ROLL_S and landed.height >= span_s * TRADES_PER_MINUTE / 60 / 2, (venue, symbol, span_s)
        ids = landed["trade_id"].to_list()
        assert len(ids) == len(set(ids)), (venue, symbol)
        assert sorted(ids, key=int) == truth_trade_ids(world, venue, symbol, landed), (venue, symbol)
