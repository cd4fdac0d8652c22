"""fct_data_coverage_daily: expected vs received samples and order-book gaps, by hand."""
from __future__ import annotations

import pytest

from dbt_harness import day_start_ms, one, run_dbt, snapshot, write_lake_orderbooks

DAY = "2025-11-20"
D0 = day_start_ms(DAY)
D1 = D0 + 86_400_000
BOOK = ([(100.0, 1.0)], [(100.5, 1.0)])
# snapshots at 0, 10, 20, 60 s: one gap 20 -> 60 s; then the rest of the day is a gap too
TIMES = (0, 10, 20, 60)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("dbt_coverage")
    write_lake_orderbooks(data_dir, [snapshot("binance", "COV/USDT", D0 + t * 1000, *BOOK) for t in TIMES])
    run_dbt(data_dir, ["build", "--select", "+fct_data_coverage_daily", "+dim_markets"], {"day": DAY})
    return data_dir


@pytest.fixture(scope="module")
def row(data_dir):
    return one(data_dir, "select * from fct_data_coverage_daily where dataset = 'orderbooks'")


def test_expected_and_received_samples(row):
    assert (row["cadence_s"], row["expected_samples"], row["received_samples"]) == (10.0, 8640, 4)
    assert row["coverage_pct"] == pytest.approx(100 * 4 / 8640)


def test_gaps_with_start_and_end(row):
    # 20 -> 60 s (40 s > 20 s) and 60 s -> midnight; 0 -> 0 and 10 s steps are no gaps
    assert row["gap_count"] == 2
    assert [(g["start_ts"], g["end_ts"]) for g in row["gaps"]] == [(D0 + 20_000, D0 + 60_000), (D0 + 60_000, D1)]
    assert row["longest_gap_s"] == pytest.approx((D1 - D0 - 60_000) / 1000)



def test_dim_markets_lists_the_market(data_dir):
    market = one(data_dir, "select * from dim_markets")
    assert (market["exchange"], market["symbol"]) == ("binance", "COV/USDT")
    assert (market["base"], market["quote"], market["settle"]) == ("COV", "USDT", None)
    assert (str(market["first_seen_day"]), market["datasets"], market["obligations"]) == (DAY, ["orderbooks"], 0)
