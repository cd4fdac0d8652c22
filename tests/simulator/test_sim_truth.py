"""The ground truth on hand-built snapshots: every number below is computed by hand from spec §1-§3."""
from __future__ import annotations

from datetime import date

import pytest

from simulator.scenario import Obligation
from simulator.truth import TruthRecorder
from simulator.truth_math import snapshot_facts

T0 = 1_795_132_800_000  # 2026-11-20 00:00:00 UTC
S = 1000

COMPLIANT = ([(99.9, 20)], [(100.1, 20)])     # mid 100, spread 20 bps, depth 1998 / 2002
WIDE = ([(99.5, 20)], [(100.5, 20)])          # spread 100 bps, depth 1990 / 2010
BIDS_ONLY = ([(99.9, 20)], [])                # one-sided
CROSSED = ([(100.2, 20)], [(100.1, 20)])      # invalid
THIN = ([(99.9, 1)], [(100.1, 1)])            # depth 99.9 / 100.1
THIN_ASK = ([(99.9, 20)], [(100.1, 1)])       # bid ok, ask thin


def obligation(**changes) -> Obligation:
    values = dict(obligation_id="o1", mm_name="MM", exchange="binance", symbol="BTC/USDT",
                  valid_from=date(2026, 11, 1), max_spread_bps=25, depth_band_bps=100,
                  min_depth_usd=1000, min_uptime_pct=50, min_coverage_pct=90)
    values.update(changes)
    return Obligation(**values)


def day_of(recorder: TruthRecorder, index: int = 0) -> dict:
    return recorder.report()["obligations"][index]["days"][0]


def scripted(ob: Obligation) -> TruthRecorder:
    recorder = TruthRecorder([ob])
    for offset, (bids, asks) in [
        (0, COMPLIANT), (10 * S, WIDE), (20 * S, BIDS_ONLY), (30 * S, CROSSED), (40 * S, COMPLIANT),
        (60 * S, THIN), (70 * S, THIN),                       # then a 130 s gap
        (200 * S, COMPLIANT),
        (86_380 * S, THIN_ASK), (86_390 * S, THIN_ASK),       # the last minute of the day
    ]:
        recorder.record("binance", "BTC/USDT", T0 + offset, bids, asks)
    return recorder


@pytest.fixture()
def scripted_day() -> TruthRecorder:
    return scripted(obligation())


def test_day_aggregates_by_hand(scripted_day):
    day = day_of(scripted_day)
    # covered minutes 0, 1, 3, 1439; compliance 2/4, 0/2, 1/1, 0/2
    assert day["covered_minutes"] == 4
    assert day["coverage_pct"] == pytest.approx(4 / 1440 * 100)
    assert day["uptime_pct"] == pytest.approx(37.5)
    assert day["bid_uptime_pct"] == pytest.approx(68.75)   # (3/4 + 0 + 1 + 1) / 4
    assert day["ask_uptime_pct"] == pytest.approx(43.75)   # (3/4 + 0 + 1 + 0) / 4
    assert day["usable_snapshots"] == 9 and day["invalid_snapshots"] == 1
    assert day["compliant_snapshots"] == 3
    assert day["breach_minutes"] == 3
    assert day["verdict"] == "insufficient_data"


def test_episodes_end_by_compliant_gap_and_end_of_day(scripted_day):
    day = day_of(scripted_day)
    assert day["episodes"] == [
        {"start_ts": T0 + 10 * S, "end_ts": T0 + 40 * S, "duration_s": 30.0, "ended_by": "compliant"},
        {"start_ts": T0 + 60 * S, "end_ts": T0 + 70 * S, "duration_s": 10.0, "ended_by": "gap"},
        {"start_ts": T0 + 86_380 * S, "end_ts": T0 + 86_390 * S, "duration_s": 10.0, "ended_by": "end_of_day"},
    ]
    assert day["breach_episodes"] == 3
    assert day["longest_breach_s"] == 30.0


def test_verdict_pass_and_fail_follow_the_thresholds():
    for min_uptime, expected in [(37.5, "pass"), (37.6, "fail")]:
        recorder = scripted(obligation(min_coverage_pct=0.2, min_uptime_pct=min_uptime))
        assert day_of(recorder)["verdict"] == expected


def test_a_gap_of_exactly_120_s_does_not_end_an_episode():
    recorder = TruthRecorder([obligation()])
    for offset, book in [(0, WIDE), (120 * S, WIDE), (130 * S, COMPLIANT)]:
        recorder.record("binance", "BTC/USDT", T0 + offset, *book)
    assert day_of(recorder)["episodes"] == [
        {"start_ts": T0, "end_ts": T0 + 130 * S, "duration_s": 130.0, "ended_by": "compliant"}]


def test_same_market_and_ts_counts_once():
    recorder = TruthRecorder([obligation()])
    assert recorder.record("binance", "BTC/USDT", T0, *COMPLIANT) is True
    assert recorder.record("binance", "BTC/USDT", T0, *WIDE) is False
    assert recorder.snapshot_count() == 1
    assert day_of(recorder)["compliant_snapshots"] == 1


def test_validity_rules():
    facts = snapshot_facts("binance", "BTC/USDT", T0, [(100.5, 0), (99.9, 20)], [(100.1, 20)], {100})
    assert facts.invalid_reason is None and facts.best_bid == 99.9   # zero-amount level ignored
    assert facts.depth_quote[100] == pytest.approx((1998.0, 2002.0))
    assert snapshot_facts("b", "s", 1, [(0.0, 1)], [(1.0, 1)]).invalid_reason == "bad_price"
    assert snapshot_facts("b", "s", 1, [(float("nan"), 1)], [(1.0, 1)]).invalid_reason == "bad_price"
    assert snapshot_facts("b", "s", 1, [(1.0, -1)], [(2.0, 1)]).invalid_reason == "bad_amount"
    assert snapshot_facts("b", "s", 1, [(2.0, 1)], [(2.0, 1)]).invalid_reason == "crossed_book"  # locked
    assert snapshot_facts("b", "s", 1, [], [(2.0, 1)]).two_sided is False


def test_outside_validity_is_not_reported():
    recorder = TruthRecorder([obligation(valid_from=date(2026, 11, 21))])
    recorder.record("binance", "BTC/USDT", T0, *COMPLIANT)
    assert recorder.report()["obligations"][0]["days"] == []


class TestNonUsdQuote:
    ETH_BTC = ([(0.0499, 200)], [(0.0501, 200)])  # mid 0.05, spread 40 bps, depth 9.98 / 10.02 BTC

    @staticmethod
    def recorder() -> TruthRecorder:
        ob = obligation(obligation_id="eth", symbol="ETH/BTC", max_spread_bps=50, min_depth_usd=500_000)
        recorder = TruthRecorder([ob])
        recorder.record("binance", "BTC/USDT", T0 + 1 * S, [(99_990, 1)], [(100_010, 1)])  # mid 100,000
        recorder.record("binance", "BTC/USDT", T0 + 50 * S, [(99_990, 1)], [])             # one-sided: no mid
        return recorder

    def verdict(self, recorder: TruthRecorder, ts: int):
        by_day, _ = recorder.verdicts(recorder.obligations[0])
        return {v.ts: v for v in by_day[date(2026, 11, 20)]}[ts]

    def test_rate_from_a_snapshot_60_s_old(self):
        recorder = self.recorder()
        recorder.record("binance", "ETH/BTC", T0 + 61 * S, *self.ETH_BTC)
        verdict = self.verdict(recorder, T0 + 61 * S)
        assert verdict.depth_bid_usd == pytest.approx(998_000)
        assert verdict.depth_ask_usd == pytest.approx(1_002_000)
        assert verdict.compliant and not verdict.usd_rate_missing

    def test_no_rate_when_older_than_60_s(self):
        recorder = self.recorder()
        recorder.record("binance", "ETH/BTC", T0 + 61 * S + 1, *self.ETH_BTC)
        recorder.record("binance", "BTC/USDT", T0 + 62 * S, [(99_990, 1)], [(100_010, 1)])  # after ts: unused
        verdict = self.verdict(recorder, T0 + 61 * S + 1)
        assert verdict.usd_rate_missing and verdict.depth_bid_usd is None
        assert not verdict.compliant and not verdict.bid_ok and not verdict.ask_ok
        assert day_of(recorder)["usd_rate_missing_snapshots"] == 1

    def test_other_exchanges_alphabetically_when_own_is_stale(self):
        recorder = self.recorder()
        recorder.record("okx", "BTC/USDT", T0 + 70 * S, [(299_990, 1)], [(300_010, 1)])
        recorder.record("bybit", "BTC/USDT", T0 + 65 * S, [(199_990, 1)], [(200_010, 1)])
        recorder.record("binance", "ETH/BTC", T0 + 80 * S, *self.ETH_BTC)
        assert self.verdict(recorder, T0 + 80 * S).depth_bid_usd == pytest.approx(9.98 * 200_000)
