"""fct_mm_compliance_daily, fct_mm_breach_episodes and the obligation evaluation
against hand-computed spec §3 numbers (scenario in lake_cases.py)."""
from __future__ import annotations

import pytest

from dbt_harness import one, query
from lake_cases import D0, D1, DAY, NEXT_DAY, S

DAILY = "select * from fct_mm_compliance_daily where obligation_id = ? and day = ?"
EPISODES = ("select * from fct_mm_breach_episodes where obligation_id = ? and day = ? "
            "order by start_ts")


def daily(data_dir, obligation_id, day=DAY):
    return one(data_dir, DAILY, [obligation_id, day])


def episodes(data_dir, obligation_id, day=DAY):
    return [(e["start_ts"], e["end_ts"], e["duration_s"], e["ended_by"], e["snapshots"])
            for e in query(data_dir, EPISODES, [obligation_id, day])]


def test_compliant_at_inclusive_thresholds_and_any_band(scenario_dir):
    # spread 200 <= 200; 150 bps band (98.5 .. 101.5): bid 99*10 = 990 >= 990, ask 1010
    row = one(scenario_dir, "select * from int_obligation_snapshots_evaluated where obligation_id = 'o-basic'")
    assert (row["depth_bid_usd"], row["depth_ask_usd"], row["compliant"]) == (990.0, 1010.0, True)
    day = daily(scenario_dir, "o-basic")
    # one covered minute of 1,440: 100 / 1440 = 0.0694 % >= 0.05 % -> judged
    assert day["coverage_pct"] == pytest.approx(100 / 1440)
    assert (day["uptime_pct"], day["verdict"], day["breach_episodes"]) == (100.0, "pass", 0)
    assert (day["median_depth_bid_usd"], day["median_depth_ask_usd"]) == (990.0, 1010.0)


def test_per_side_uptime(scenario_dir):
    # min depth 1,000: bid 990 fails, ask 1,010 passes -> not compliant
    day = daily(scenario_dir, "o-strict")
    assert (day["uptime_pct"], day["bid_uptime_pct"], day["ask_uptime_pct"]) == (0.0, 0.0, 100.0)
    assert (day["verdict"], day["breach_minutes"]) == ("fail", 1)
    # a lone breaching snapshot running to the end of the day lasts 0 s
    assert episodes(scenario_dir, "o-strict") == [(D0 + 5 * S, D0 + 5 * S, 0.0, "end_of_day", 1)]


def test_crossed_book_counted_invalid_not_usable(scenario_dir):
    day = daily(scenario_dir, "o-crossed")
    assert (day["usable_snapshots"], day["invalid_snapshots"], day["compliant_snapshots"]) == (1, 1, 1)


def test_one_sided_book_never_compliant(scenario_dir):
    day = daily(scenario_dir, "o-one-sided")
    # minute 00:00 holds a compliant two-sided and a one-sided snapshot: 1/2
    assert (day["uptime_pct"], day["bid_uptime_pct"], day["ask_uptime_pct"]) == (50.0, 50.0, 50.0)
    assert (day["one_sided_snapshots"], day["usable_snapshots"], day["verdict"]) == (1, 2, "fail")
    # spread of the two-sided one only: 0.01 / 10.005 * 10,000
    assert day["mean_spread_bps"] == pytest.approx(0.01 / 10.005 * 10000)
    assert episodes(scenario_dir, "o-one-sided") == [(D0 + 10 * S, D0 + 10 * S, 0.0, "end_of_day", 1)]


def test_duplicate_counted_once(scenario_dir):
    day = daily(scenario_dir, "o-dup")
    assert (day["usable_snapshots"], day["compliant_snapshots"], day["verdict"]) == (1, 1, "pass")


def test_missing_usd_rate_is_not_compliant(scenario_dir):
    day = daily(scenario_dir, "o-ethbtc-kraken")
    # +200 s: 4.99 BTC * 51,000 = 254,490 and 5.01 * 51,000 = 255,510 >= 200,000, spread 40 <= 50
    # +1000 s: no rate -> NULL depth, not compliant; minutes 00:03 -> 1, 00:16 -> 0
    assert (day["uptime_pct"], day["usd_rate_missing_snapshots"]) == (50.0, 1)
    assert day["median_depth_bid_usd"] == pytest.approx(254490.0)  # NULLs ignored
    assert day["verdict"] == "pass"  # 50 >= 40 and coverage 2/1440 = 0.139 % >= 0.1 %
    assert day["median_spread_bps"] == pytest.approx(40.0)


def test_gap_longer_than_120_s_ends_an_episode(scenario_dir):
    # C@0 N@10 N@20 | 180 s gap | N@200 N@230 C@260
    assert episodes(scenario_dir, "o-gap") == [
        (D0 + 10 * S, D0 + 20 * S, 10.0, "gap", 2),  # last - first
        (D0 + 200 * S, D0 + 260 * S, 60.0, "compliant", 2),  # next compliant - first
    ]
    day = daily(scenario_dir, "o-gap")
    # minutes 00:00 -> 1/3, 00:03 -> 0, 00:04 -> 1: 100 * (1/3 + 0 + 1) / 3
    assert day["uptime_pct"] == pytest.approx(100 * (1 / 3 + 0 + 1) / 3)
    assert (day["covered_minutes"], day["breach_minutes"], day["breach_episodes"]) == (3, 2, 2)
    assert day["longest_breach_s"] == 60.0
    # coverage 3 / 1440 below the default min_coverage_pct 90
    assert day["coverage_pct"] == pytest.approx(300 / 1440)
    assert (day["min_coverage_pct"], day["verdict"]) == (90.0, "insufficient_data")


def test_minute_compliance_averages_irregular_sampling(scenario_dir):
    day = daily(scenario_dir, "o-irregular")
    # minute 00:00: C N N N -> 1/4; minute 00:01: C -> 1: uptime (0.25 + 1) / 2 = 62.5 %
    # (the share of compliant snapshots would be 2/5 = 40 %)
    assert (day["uptime_pct"], day["usable_snapshots"], day["compliant_snapshots"]) == (62.5, 5, 2)
    assert (day["verdict"], day["breach_minutes"]) == ("pass", 1)
    assert episodes(scenario_dir, "o-irregular") == [(D0 + 15 * S, D0 + 60 * S, 45.0, "compliant", 3)]


def test_breach_over_midnight_is_split_per_day(scenario_dir):
    # C@-30 N@-20 N@-10 | midnight | N@0 N@10 C@20
    assert episodes(scenario_dir, "o-midnight", DAY) == [(D1 - 20 * S, D1 - 10 * S, 10.0, "end_of_day", 2)]
    assert episodes(scenario_dir, "o-midnight", NEXT_DAY) == [(D1, D1 + 20 * S, 20.0, "compliant", 2)]


def test_obligation_without_data_gets_an_empty_day(scenario_dir):
    day = daily(scenario_dir, "o-nodata")
    assert (day["coverage_pct"], day["covered_minutes"], day["usable_snapshots"]) == (0.0, 0, 0)
    assert (day["uptime_pct"], day["verdict"], day["breach_episodes"]) == (None, "insufficient_data", 0)


def test_validity_window_and_defaults(scenario_dir):
    days = query(scenario_dir, "select obligation_id, day from fct_mm_compliance_daily "
                 "where obligation_id in ('o-future', 'o-expired') order by day")
    # o-future starts on D+1; o-expired ends (exclusive) on D
    assert [(d["obligation_id"], str(d["day"])) for d in days] == [("o-future", NEXT_DAY)]
    dim = one(scenario_dir, "select * from dim_obligations where obligation_id = 'o-gap'")
    assert (dim["min_coverage_pct"], dim["min_days_pct"], dim["alert_after_s"]) == (90.0, 75.0, 300.0)
    assert query(scenario_dir, "select count(*) as n from fct_mm_compliance_daily where day = ?",
                 [DAY]) == [{"n": 10}]  # 12 obligations; o-future and o-expired not valid on D
