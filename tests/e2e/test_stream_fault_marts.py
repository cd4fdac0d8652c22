"""Acceptance of issue 17 through the marts: a streamed window with one injected fault, built like any
day (raw, dbt). A spot and a contract perpetual on two venues stream for SECONDS of wall time
(binance spot, okx spot and its 0.01 BTC contract perp); binance BTC/USDT loses an update at FAULT_AT_S.
Then the day's marts: the out-of-sync interval is in fct_data_coverage_daily with exactly the recorded
duration (and nowhere else); no snapshot of fct_orderbook_snapshot_metrics was sampled inside it, and no
breach episode of the market's obligation starts at one; and the compliance of the sampled instants
(fct_mm_compliance_daily, fct_mm_breach_episodes) equals the ground truth computed from the simulator's
book_at_update(nonce) of those same snapshots, for an obligation each market meets about half the time.

The interval is on the collector's clock ([notice, resync)); a snapshot's ts is the venue's time of its
update. The first book sampled after the resync may carry a ts just before `to` (the update that
resynchronised it, received an instant after its venue time): it is a right book sampled after the
interval, so "inside" is judged by when a book was sampled, and a snapshot whose ts falls in the
interval must be one sampled after it, past the broken update.
"""
from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from marts import assert_marts_equal_truth, query
from stream_run import check_fault, equals_truth, run_streaming
from streamed_marts import VENUES, build_days, event_ts, split_obligations, truth_recorder, write_obligations

LEVELS = 20
SECONDS, FAULT_AT_S = 70, 25
MARKETS = {"binance": ["BTC/USDT"], "okx": ["BTC/USDT", "BTC/USDT:USDT"]}
FAULT = ("binance", "BTC/USDT", "drop_update", "gap")


@pytest.fixture(scope="module")
def world():
    from simulator.market import World
    from simulator.scenario import load_scenario

    return World(load_scenario(VENUES))


@pytest.fixture(scope="module")
def streamed(tmp_path_factory, dbt_manifest, world):
    """(run, fault log, warehouse, days, truth report) of the window, built."""
    from mmwatch.days import utc_day_of_ms
    from mmwatch.settings import DataDir
    from simulator.process import SimulatorProcess

    root = tmp_path_factory.mktemp("stream_fault_marts")
    layout = DataDir.from_env(root / "data").ensure()
    exchanges = {venue: {"markets": markets, "mode": "stream", "orderbook_levels": LEVELS}
                 for venue, markets in MARKETS.items()}
    venue, symbol, fault, _ = FAULT
    with SimulatorProcess(VENUES, clock="wall", rate_limits="off") as sim:
        run = run_streaming(sim, exchanges, layout, SECONDS, [(FAULT_AT_S, lambda: sim.set_stream_fault(venue, fault, symbol))])
        log = sim.stream_fault_log()
    first_day = date.fromisoformat(min(utc_day_of_ms(ts) for ts in event_ts(run.books)))
    obligations = split_obligations(world, run.books, first_day, LEVELS)
    days = build_days(layout, write_obligations(obligations, root / "obligations.csv"))
    return run, log, layout.warehouse, days, truth_recorder(world, run.books, obligations, LEVELS).report()


def _interval(run) -> tuple[str, int, int, int]:
    [interval] = run.out_of_sync(FAULT[0], FAULT[1])
    return interval["cause"], int(interval["from"]), int(interval["to"]), int(interval["unsynced_ms"])


@pytest.mark.e2e
def test_samples_equal_the_truth_and_the_fault_is_one_interval(streamed, world):
    run, log, *_ = streamed
    for row in run.books.iter_rows(named=True):
        assert equals_truth(world, row, LEVELS), (row["exchange"], row["symbol"], row["nonce"])
    check_fault(run, log, *FAULT)
    assert _interval(run)[0] == FAULT[3]
    for venue, symbols in MARKETS.items():
        for symbol in symbols:
            assert run.samples(venue, symbol).height >= SECONDS // 2, (venue, symbol)
            if (venue, symbol) != FAULT[:2]:
                assert run.out_of_sync(venue, symbol) == [], (venue, symbol)


@pytest.mark.e2e
def test_coverage_shows_the_interval_with_exactly_its_recorded_duration(streamed):
    run, _, warehouse, days, _ = streamed
    cause, start, end, unsynced_ms = _interval(run)
    rows = query(warehouse, "select * from fct_data_coverage_daily where dataset = 'orderbooks' order by day")
    faulted = [row for row in rows if (row["exchange"], row["symbol"]) == FAULT[:2]]
    parts = [(i["cause"], i["from_ts"], i["to_ts"]) for row in faulted for i in row["stream_unsynced_intervals"]]
    assert parts[0][1] == start and parts[-1][2] == end and {p[0] for p in parts} == {cause}  # split only at midnight
    assert sum(to - start_ for _, start_, to in parts) == unsynced_ms == end - start > 0
    assert sum(row["stream_unsynced_s"] for row in faulted) == pytest.approx(unsynced_ms / 1000, abs=1e-9)
    # a window across midnight has two day rows; the interval is in one of them, or split between them
    assert any(row["stream_unsynced_intervals"] for row in faulted)
    for row in faulted:
        held = [cause] if row["stream_unsynced_intervals"] else []
        assert [c["cause"] for c in row["stream_unsynced_by_cause"]] == held
        assert row["stream_out_of_sync_events"] == len(row["stream_unsynced_intervals"])
    others = [row for row in rows if (row["exchange"], row["symbol"]) != FAULT[:2]]
    assert len(others) >= 2
    assert {(row["stream_out_of_sync_events"], row["stream_unsynced_s"]) for row in others} == {(0, 0.0)}


@pytest.mark.e2e
def test_no_snapshot_sampled_inside_the_interval_and_no_breach_starts_at_one(streamed):
    run, log, warehouse, _, _ = streamed
    _, start, end, _ = _interval(run)
    venue, symbol = FAULT[:2]
    books = run.samples(venue, symbol).with_columns(event_ts(run.samples(venue, symbol)).alias("ts"))
    sampled = {ts: times for ts, times in books.group_by("ts").agg(pl.col("received_ts")).iter_rows()}
    fault_id = min(e["update_id"] for e in log if e["venue"] == venue and e["symbol"] == symbol)
    snapshots = query(warehouse, f"select ts from fct_orderbook_snapshot_metrics "
                                 f"where exchange = '{venue}' and symbol = '{symbol}' order by ts")
    assert len(snapshots) >= SECONDS // 2
    for snapshot in snapshots:
        times = sampled[snapshot["ts"]]
        assert all(t < start or t > end for t in times), snapshot  # none sampled inside
        if start <= snapshot["ts"] < end:  # a book sampled after the resync, past the broken update
            nonce = books.filter(pl.col("ts") == snapshot["ts"])["nonce"][0]
            assert min(times) > end and nonce > fault_id, (snapshot, times, nonce)
    episodes = query(warehouse, f"select start_ts from fct_mm_breach_episodes "
                                f"where exchange = '{venue}' and symbol = '{symbol}'")
    assert episodes, "the split obligation has breaches: the case exercises them"
    for episode in episodes:
        assert all(t < start or t > end for t in sampled[episode["start_ts"]]), episode


@pytest.mark.e2e
def test_compliance_of_the_sampled_instants_equals_the_truth(streamed):
    _, _, warehouse, days, truth = streamed
    for day in days:
        assert_marts_equal_truth(warehouse, truth, day)
    daily = query(warehouse, "select obligation_id, usable_snapshots, compliant_snapshots from fct_mm_compliance_daily")
    assert len({row["obligation_id"] for row in daily}) == 3
    for row in daily:  # each obligation met part of the time: a wrong depth or threshold shows
        assert 0 < row["compliant_snapshots"] < row["usable_snapshots"], row
