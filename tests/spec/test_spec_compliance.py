"""Spec §3 (obligations and compliance) at its boundaries: int_obligation_snapshots_evaluated,
fct_mm_breach_episodes, fct_mm_compliance_daily and fct_mm_compliance_monthly built over every
day of a small lake (2025-11-03 .. 2025-11-07), each number worked out by hand below.

One market per case, all binance spot; C = a compliant book (GOOD_BOOK), N = a breaching one
(WIDE_BOOK: spread 295.6 > 100 bps); times are seconds after 00:00 UTC of DAY unless said.
"""
from __future__ import annotations

import pytest

from spec_lake import GOOD_BOOK, LOOSE_TERMS, S, WIDE_BOOK, book, built_lake, day_start_ms, one, query

DAY = "2025-11-04"
NEXT_DAY = "2025-11-05"
D0 = day_start_ms(DAY)
D1 = day_start_ms(NEXT_DAY)
T = D0 + 600 * S  # 00:10, for the USD-rated market
BOOKS = {"C": GOOD_BOOK, "N": WIDE_BOOK}

# spread (104 - 96) / 100 = 800 bps; with a 625 bps band (bounds 93.75 and 106.25, exact doubles)
# the bids hold 96 + 93.75 = 189.75 and the asks 104 + 106.25 = 210.25 (93.5 and 106.5 lie outside)
EQUAL_BID_BOOK = ([(96.0, 1.0), (93.75, 1.0), (93.5, 1.0)], [(104.0, 1.0), (106.25, 1.0), (106.5, 1.0)])
# the same asks; bids 96 x 2 + 93.75 = 285.75
EQUAL_ASK_BOOK = ([(96.0, 2.0), (93.75, 1.0)], [(104.0, 1.0), (106.25, 1.0), (106.5, 1.0)])
EQUAL_TERMS = {"max_spread_bps": (104.0 - 96.0) / 100.0 * 10_000, "depth_band_bps": 625}


def _run(symbol: str, start: int, marks: list[tuple[float, str]]) -> list[dict]:
    """Snapshots of `symbol` at start + seconds, C or N."""
    return [book("binance", symbol, start + round(at * S), BOOKS[kind]) for at, kind in marks]


def _rows() -> tuple[list[dict], list[dict]]:
    """(batch 1, batch 2) of the lake."""
    rows = [
        *_run("EPI/USDT", D0, [(0, "C"), (10, "N"), (130, "N"), (250, "C"), (400, "N"), (520.001, "N"), (530, "C")]),
        *_run("SPL/USDT", D0, [(0, "C"), (10, "N"), (20, "C"), (30, "N"), (40, "C")]),
        *_run("MID/USDT", D1, [(-10, "N"), (0, "N"), (10, "C")]),
        *_run("COV/USDT", D0, [(60 * minute + 5, "C") for minute in range(9)]),
        *_run("UPT/USDT", D0, [(5, "C"), (65, "N")]),
        *_run("IRR/USDT", D0, [(0, "C"), (15, "N"), (30, "N"), (59.999, "N"), (60, "C")]),
        *_run("VTO/USDT", D0, [(5, "N")]),
        *_run("VTO/USDT", D1, [(5, "N")]),
        *_run("DPC/USDT", D0, [(10, "C")]),
        *_run("INV/USDT", D0, [(10, "C")]),
        book("binance", "INV/USDT", D0 + 185 * S, ([(101.0, 1.0)], [(100.0, 1.0)]), invalid_reason="crossed_book"),
        # one-sided (bids only), then a thin ask side (100.5 x 0.01 = 1.005 < 10 USD), then C
        book("binance", "ONE/USDT", D0, ([(100.0, 1.0)], [])),
        book("binance", "ONE/USDT", D0 + 60 * S, ([(100.0, 1.0)], [(100.5, 0.01)])),
        book("binance", "ONE/USDT", D0 + 120 * S, GOOD_BOOK),
        book("binance", "EQB/USDT", D0 + 5 * S, EQUAL_BID_BOOK),
        book("binance", "EQA/USDT", D0 + 5 * S, EQUAL_ASK_BOOK),
        # ETH/BTC: 4.99 / 5.01 BTC within 100 bps of mid 0.05, spread 40 bps; BTC/USDT mid 50,000 at
        # T - 10 s prices the snapshot at T, nothing prices the one at T + 300 s
        book("binance", "BTC/USDT", T - 10 * S, ([(49990.0, 1.0)], [(50010.0, 1.0)])),
        book("binance", "ETH/BTC", T, ([(0.0499, 100.0)], [(0.0501, 100.0)])),
        book("binance", "ETH/BTC", T + 300 * S, ([(0.0499, 100.0)], [(0.0501, 100.0)])),
        # the month: pass on 11-03, 11-04, 11-05, fail on 11-06, no MON data on 11-07
        *[book("binance", "MON/USDT", day_start_ms(day) + 5 * S, levels) for day, levels in (
            ("2025-11-03", GOOD_BOOK), ("2025-11-04", GOOD_BOOK), ("2025-11-05", GOOD_BOOK),
            ("2025-11-06", WIDE_BOOK))],
        book("binance", "PAD/USDT", day_start_ms("2025-11-07") + 5 * S, GOOD_BOOK),
    ]
    # written in both lake batch files: an invalid snapshot and a breaching usable one
    repeated = [book("binance", "INV/USDT", D0 + 5 * S, ([(101.0, 1.0)], [(100.0, 1.0)]), invalid_reason="crossed_book"),
                book("binance", "DPC/USDT", D0 + 5 * S, WIDE_BOOK)]
    return rows + repeated, repeated


def _obligation(obligation_id: str, symbol: str, **terms) -> dict:
    return {**LOOSE_TERMS, "obligation_id": obligation_id, "exchange": "binance", "symbol": symbol, **terms}


OBLIGATIONS = [
    _obligation("o-gap", "EPI/USDT"),
    _obligation("o-split", "SPL/USDT"),
    _obligation("o-midnight", "MID/USDT"),
    _obligation("o-cov", "COV/USDT", min_coverage_pct=0.625),  # 9 covered minutes: 100 x 9 / 1,440
    _obligation("o-upt", "UPT/USDT", min_uptime_pct=50),
    _obligation("o-irr", "IRR/USDT"),
    _obligation("o-valid-to", "VTO/USDT", valid_to=NEXT_DAY),
    _obligation("o-valid-from", "VTO/USDT", valid_from=NEXT_DAY),
    _obligation("o-dup", "DPC/USDT"),
    _obligation("o-dup-band", "DPC/USDT", depth_band_bps=150),  # a band the snapshot mart does not hold
    _obligation("o-inv", "INV/USDT"),
    _obligation("o-side", "ONE/USDT"),
    _obligation("o-side-band", "ONE/USDT", depth_band_bps=150),  # its depth from the levels, not the mart
    _obligation("o-eq-bid", "EQB/USDT", **EQUAL_TERMS, min_depth_usd=189.75),
    _obligation("o-eq-ask", "EQA/USDT", **EQUAL_TERMS, min_depth_usd=210.25),
    _obligation("o-rate", "ETH/BTC", max_spread_bps=50, min_depth_usd=200_000),
    _obligation("o-month", "MON/USDT"),  # min_days_pct empty: the default 75
    _obligation("o-defaults", "PAD/USDT", min_coverage_pct=None),  # the defaults 90 / 75 / 300
]


@pytest.fixture(scope="module")
def compliance_dir(tmp_path_factory):
    return built_lake(tmp_path_factory.mktemp("spec_compliance"), ["fct_mm_compliance_monthly"],
                      books=list(_rows()), obligations=OBLIGATIONS)


def daily(data_dir, obligation_id: str, day: str = DAY) -> dict:
    return one(data_dir, "select * from fct_mm_compliance_daily where obligation_id = ? and day = ?",
               [obligation_id, day])


def episodes(data_dir, obligation_id: str, day: str = DAY) -> list[tuple]:
    """(start, end, duration_s, ended_by, snapshots) per episode, start and end in ms after `day` 00:00."""
    start = day_start_ms(day)
    rows = query(data_dir, "select * from fct_mm_breach_episodes where obligation_id = ? and day = ? "
                           "order by start_ts", [obligation_id, day])
    return [(e["start_ts"] - start, e["end_ts"] - start, e["duration_s"], e["ended_by"], e["snapshots"])
            for e in rows]


def test_a_gap_of_exactly_120_s_does_not_split_an_episode(compliance_dir):
    # C@0 N@10 N@130 C@250 (gaps of exactly 120 s) | N@400, 120.001 s gap, N@520.001 C@530
    assert episodes(compliance_dir, "o-gap") == [
        (10_000, 250_000, 240.0, "compliant", 2),  # next compliant - first non-compliant
        (400_000, 400_000, 0.0, "gap", 1),  # last - first
        (520_001, 530_000, 9.999, "compliant", 1),
    ]
    day = daily(compliance_dir, "o-gap")
    # minutes 00:00 -> 1/2, 00:02 -> 0, 00:04 -> 1, 00:06 -> 0, 00:08 -> 1/2: 100 x 2 / 5
    assert (day["uptime_pct"], day["covered_minutes"], day["breach_minutes"]) == (40.0, 5, 4)
    assert (day["breach_episodes"], day["longest_breach_s"], day["verdict"]) == (3, 240.0, "fail")


def test_one_compliant_snapshot_splits_two_breach_runs(compliance_dir):
    # C@0 N@10 C@20 N@30 C@40
    assert episodes(compliance_dir, "o-split") == [
        (10_000, 20_000, 10.0, "compliant", 1), (30_000, 40_000, 10.0, "compliant", 1)]
    day = daily(compliance_dir, "o-split")
    assert (day["breach_episodes"], day["longest_breach_s"], day["uptime_pct"]) == (2, 10.0, 60.0)


def test_an_episode_ends_at_the_end_of_the_utc_day(compliance_dir):
    # N 10 s before midnight | N at midnight, C 10 s after
    assert episodes(compliance_dir, "o-midnight", DAY) == [(D1 - D0 - 10_000, D1 - D0 - 10_000, 0.0, "end_of_day", 1)]
    assert episodes(compliance_dir, "o-midnight", NEXT_DAY) == [(0, 10_000, 10.0, "compliant", 1)]


def test_coverage_exactly_at_the_minimum_is_judged(compliance_dir):
    day = daily(compliance_dir, "o-cov")
    assert (day["coverage_pct"], day["min_coverage_pct"]) == (0.625, 0.625)  # 100 x 9 / 1,440
    assert (day["uptime_pct"], day["verdict"]) == (100.0, "pass")


def test_uptime_exactly_at_the_minimum_passes(compliance_dir):
    day = daily(compliance_dir, "o-upt")
    # minute 00:00 compliant, 00:01 not
    assert (day["uptime_pct"], day["min_uptime_pct"], day["verdict"]) == (50.0, 50.0, "pass")
    assert (day["breach_minutes"], day["breach_episodes"]) == (1, 1)


def test_uptime_is_the_mean_of_minute_compliance_with_floor_minutes(compliance_dir):
    day = daily(compliance_dir, "o-irr")
    # minute 00:00 holds C@0 N@15 N@30 N@59.999 -> 1/4; minute 00:01 holds C@60 -> 1
    # uptime 100 x (0.25 + 1) / 2 = 62.5 (the share of compliant snapshots would be 40)
    assert (day["uptime_pct"], day["usable_snapshots"], day["compliant_snapshots"]) == (62.5, 5, 2)
    assert (day["covered_minutes"], day["breach_minutes"]) == (2, 1)
    assert day["coverage_pct"] == pytest.approx(100 * 2 / 1440, rel=1e-12)
    assert episodes(compliance_dir, "o-irr") == [(15_000, 60_000, 45.0, "compliant", 3)]


def test_spread_and_depth_exactly_at_the_limits_are_compliant(compliance_dir):
    evaluated = {row["obligation_id"]: row for row in query(
        compliance_dir, "select * from int_obligation_snapshots_evaluated where obligation_id like 'o-eq-%'")}
    assert evaluated["o-eq-bid"]["spread_bps"] == EQUAL_TERMS["max_spread_bps"]
    assert (evaluated["o-eq-bid"]["depth_bid_usd"], evaluated["o-eq-bid"]["depth_ask_usd"]) == (189.75, 210.25)
    assert (evaluated["o-eq-ask"]["depth_bid_usd"], evaluated["o-eq-ask"]["depth_ask_usd"]) == (285.75, 210.25)
    assert [evaluated[o]["compliant"] for o in ("o-eq-bid", "o-eq-ask")] == [True, True]
    assert [daily(compliance_dir, o)["verdict"] for o in ("o-eq-bid", "o-eq-ask")] == ["pass", "pass"]


@pytest.mark.parametrize("obligation_id", ["o-side", "o-side-band"])
def test_per_side_uptime_and_one_sided_snapshots(compliance_dir, obligation_id):
    day = daily(compliance_dir, obligation_id)
    # 00:00 one-sided: no side ok (no mid); 00:01 bid ok, ask 1.005 USD < 10; 00:02 both ok
    assert day["uptime_pct"] == pytest.approx(100 / 3, rel=1e-12)
    assert day["bid_uptime_pct"] == pytest.approx(200 / 3, rel=1e-12)
    assert day["ask_uptime_pct"] == pytest.approx(100 / 3, rel=1e-12)
    assert (day["one_sided_snapshots"], day["breach_minutes"]) == (1, 2)
    # the one-sided snapshot opens the episode
    assert episodes(compliance_dir, obligation_id) == [(0, 120_000, 120.0, "compliant", 2)]


def test_missing_usd_rate_is_not_compliant_and_flagged(compliance_dir):
    day = daily(compliance_dir, "o-rate")
    # 00:10: 4.99 BTC x 50,000 = 249,500 and 250,500 USD >= 200,000, spread 40 <= 50 -> compliant;
    # 00:15: no rate -> NULL depth, not compliant
    assert (day["uptime_pct"], day["compliant_snapshots"], day["usd_rate_missing_snapshots"]) == (50.0, 1, 1)
    assert day["median_depth_bid_usd"] == pytest.approx(0.0499 * 100 * 50_000, rel=1e-12)


def test_invalid_snapshots_count_once_and_cover_nothing(compliance_dir):
    day = daily(compliance_dir, "o-inv")
    # the crossed book at 00:00:05 sits in two lake batches, the one at 00:03:05 in one
    assert (day["invalid_snapshots"], day["usable_snapshots"], day["covered_minutes"]) == (2, 1, 1)
    assert (day["uptime_pct"], day["verdict"]) == (100.0, "pass")


@pytest.mark.parametrize("obligation_id", ["o-dup", "o-dup-band"])
def test_usable_snapshot_in_two_batches_counts_once(compliance_dir, obligation_id):
    day = daily(compliance_dir, obligation_id)
    # minute 00:00: N@5 (in two batch files) and C@10 -> 1/2
    assert (day["usable_snapshots"], day["compliant_snapshots"], day["uptime_pct"]) == (2, 1, 50.0)


def test_valid_to_is_exclusive_in_every_model(compliance_dir):
    def days(table: str, obligation_id: str) -> list[str]:
        rows = query(compliance_dir, f"select distinct day from {table} where obligation_id = ? order by day",
                     [obligation_id])
        return [str(row["day"]) for row in rows]

    # valid until 11-05 (exclusive): the breach on 11-05 is not the obligation's
    assert days("int_obligation_snapshots_evaluated", "o-valid-to") == [DAY]
    assert days("fct_mm_breach_episodes", "o-valid-to") == [DAY]
    assert days("fct_mm_compliance_daily", "o-valid-to") == ["2025-11-03", DAY]
    # valid from 11-05 (inclusive)
    assert days("int_obligation_snapshots_evaluated", "o-valid-from") == [NEXT_DAY]
    assert days("fct_mm_breach_episodes", "o-valid-from") == [NEXT_DAY]
    assert days("fct_mm_compliance_daily", "o-valid-from") == [NEXT_DAY, "2025-11-06", "2025-11-07"]


def test_empty_cells_take_the_spec_defaults(compliance_dir):
    day = daily(compliance_dir, "o-defaults", "2025-11-07")
    assert (day["min_coverage_pct"], day["min_days_pct"], day["alert_after_s"]) == (90.0, 75.0, 300.0)
    # one covered minute: 100 / 1,440 < 90
    assert day["verdict"] == "insufficient_data"


def test_a_month_exactly_at_min_days_pct_passes(compliance_dir):
    verdicts = query(compliance_dir, "select strftime(day, '%d') as day, verdict from fct_mm_compliance_daily "
                                     "where obligation_id = 'o-month' order by day")
    assert [(v["day"], v["verdict"]) for v in verdicts] == [
        ("03", "pass"), ("04", "pass"), ("05", "pass"), ("06", "fail"), ("07", "insufficient_data")]
    month = one(compliance_dir, "select * from fct_mm_compliance_monthly where obligation_id = 'o-month'")
    # 100 x 3 / (3 + 1) = 75 = the default min_days_pct; the insufficient day is left out (not 3 / 5)
    assert (month["pass_days"], month["fail_days"], month["insufficient_data_days"]) == (3, 1, 1)
    assert (month["days_passed_pct"], month["min_days_pct"], month["verdict"]) == (75.0, 75.0, "pass")
