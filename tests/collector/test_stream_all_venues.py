"""The streaming collector on all eight venues at once (real ccxt.pro classes, simulator, wall clock):
every sampled book is the simulator's book at the update id it carries, level for level; the faults
ccxt.pro does not notice by itself on some venues are caught by the collector's own checks (Bybit,
KuCoin, KuCoin futures and Gate spot.obu id gaps, OKX's checksum), those it notices (Bitget's checksum, Gate futures'
gap) too: each is one out-of-sync interval of the right cause, no sample inside it, sampling resumes."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from simulator.market import World
from simulator.process import SimulatorProcess
from simulator.scenario import load_scenario
from simulator.streams.dialects.kucoinfutures import first_sequence
from steady_scenario import steady_scenario
from stream_run import check_fault, equals_truth, run_streaming

# without the scenario's daily windows (KuCoin is down 04:00-04:15 UTC): on the wall clock, CI may run in one
VENUES = steady_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "venues.yaml", Path(tempfile.mkdtemp()))
WORLD = World(load_scenario(VENUES))
LEVELS = 20
MARKETS = {"binance": ["BTC/USDT"], "binanceusdm": ["BTC/USDT:USDT"], "binancecoinm": ["BTC/USD:BTC"],
           "okx": ["BTC/USDT", "BTC/USDT:USDT"], "bybit": ["BTC/USDT", "BTC/USDT:USDT"],
           "bitget": ["BTC/USDT", "BTC/USDT:USDT"], "gate": ["BTC/USDT", "BTC/USDT:USDT"], "kucoin": ["BTC/USDT"],
           "kucoinfutures": ["BTC/USDT:USDT"]}
FAULTS = [("okx", "BTC/USDT", "bad_checksum", "checksum"), ("bybit", "BTC/USDT", "drop_update", "gap"),
          ("kucoin", "BTC/USDT", "drop_update", "gap"), ("gate", "BTC/USDT", "reorder_updates", "gap"),
          ("gate", "BTC/USDT:USDT", "drop_update", "gap"), ("bitget", "BTC/USDT:USDT", "bad_checksum", "checksum"),
          ("kucoinfutures", "BTC/USDT:USDT", "drop_update", "gap")]


@pytest.fixture(scope="module")
def streamed(tmp_path_factory):
    from mmwatch.settings import DataDir

    exchanges = {venue: {"markets": markets, "mode": "stream", "orderbook_levels": LEVELS, "stall_after_s": 2}
                 for venue, markets in MARKETS.items()}
    data_dir = DataDir.from_env(tmp_path_factory.mktemp("all") / "data").ensure()
    with SimulatorProcess(VENUES, clock="wall", rate_limits="off") as sim:
        actions = [(4, lambda v=venue, s=symbol, f=fault: sim.set_stream_fault(v, f, s))
                   for venue, symbol, fault, _ in FAULTS]
        run = run_streaming(sim, exchanges, data_dir, 11, actions)
        return run, sim.stream_fault_log()


def test_every_venue_samples_books_equal_to_the_truth_at_their_update_id(streamed):
    run, _ = streamed
    for row in run.books.iter_rows(named=True):
        assert equals_truth(WORLD, row, LEVELS), (row["exchange"], row["symbol"], row["nonce"])
        assert len(row["bids"]) == LEVELS and len(row["asks"]) == LEVELS
    per_market = {(e, s): n for e, s, n in run.books.group_by("exchange", "symbol").len().iter_rows()}
    assert set(per_market) == {(venue, symbol) for venue, symbols in MARKETS.items() for symbol in symbols}
    assert min(per_market.values()) >= 4


def test_markets_without_faults_stay_in_sync(streamed):
    run, _ = streamed
    faulted = {(venue, symbol) for venue, symbol, _, _ in FAULTS}
    for venue, symbols in MARKETS.items():
        for symbol in symbols:
            if (venue, symbol) not in faulted:
                assert run.out_of_sync(venue, symbol) == [], (venue, symbol)


@pytest.mark.parametrize("venue,symbol,fault,cause", FAULTS, ids=[f"{f[0]}-{f[2]}" for f in FAULTS])
def test_each_fault_is_caught_recorded_and_not_sampled(streamed, venue, symbol, fault, cause):
    run, log = streamed
    if venue == "kucoinfutures":  # nonces are per-change sequences: the update hit starts at its first one
        check_fault(run, log, venue, symbol, fault, cause,
                    lambda entry: first_sequence(WORLD.market(venue, entry["symbol"]), entry["update_id"]))
    else:
        check_fault(run, log, venue, symbol, fault, cause)
