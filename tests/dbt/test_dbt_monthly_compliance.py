"""fct_mm_compliance_monthly: day verdicts counted by hand into months (spec §3)."""
from __future__ import annotations

import pytest

from dbt_harness import day_start_ms, query, run_dbt, snapshot, write_lake_orderbooks, write_obligations_csv

GOOD = ([(100.0, 1.0)], [(100.5, 1.0)])  # spread 49.9 bps, 100 / 100.5 USD within 100 bps
WIDE = ([(100.0, 1.0)], [(103.0, 1.0)])  # spread 295.6 bps


def book(symbol, day, levels):
    return snapshot("binance", symbol, day_start_ms(day) + 5_000, *levels)


ROWS = [
    book("MON/USDT", "2025-11-03", GOOD),  # pass
    book("MON/USDT", "2025-11-04", GOOD),  # pass
    book("MON/USDT", "2025-11-05", WIDE),  # fail
    book("ZZZ/USDT", "2025-11-06", GOOD),  # MON has no data: insufficient_data
    book("ZZZ/USDT", "2025-12-01", GOOD),  # December: only an insufficient_data day
]
TERMS = {"mm_name": "Test MM", "exchange": "binance", "market_type": "spot", "symbol": "MON/USDT",
         "valid_from": "2025-01-01", "max_spread_bps": 100, "depth_band_bps": 100, "min_depth_usd": 10,
         "min_uptime_pct": 90, "min_coverage_pct": 0.05}


@pytest.fixture(scope="module")
def months(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("dbt_monthly")
    write_lake_orderbooks(data_dir, ROWS)
    csv_path = write_obligations_csv(data_dir / "obligations.csv", [
        {**TERMS, "obligation_id": "o-75"},  # default min_days_pct 75
        {**TERMS, "obligation_id": "o-60", "min_days_pct": 60},
    ])
    run_dbt(data_dir, ["build", "--select", "+fct_mm_compliance_monthly", "+dim_obligations"], {"obligations_csv": str(csv_path)})
    rows = query(data_dir, "select * from fct_mm_compliance_monthly order by obligation_id, month")
    return {(r["obligation_id"], str(r["month"])): r for r in rows}


def test_insufficient_days_are_excluded_from_the_share(months):
    r = months[("o-75", "2025-11-01")]
    assert (r["pass_days"], r["fail_days"], r["insufficient_data_days"], r["reported_days"]) == (2, 1, 1, 4)
    assert r["days_passed_pct"] == pytest.approx(200 / 3)  # 100 x 2 / (2 + 1), not 2 / 4
    assert r["verdict"] == "fail"  # 66.7 < 75
    assert months[("o-60", "2025-11-01")]["verdict"] == "pass"  # 66.7 >= 60


def test_month_without_pass_or_fail_day(months):
    r = months[("o-75", "2025-12-01")]
    assert (r["pass_days"], r["fail_days"], r["insufficient_data_days"]) == (0, 0, 1)
    assert (r["days_passed_pct"], r["verdict"]) == (None, "insufficient_data")
