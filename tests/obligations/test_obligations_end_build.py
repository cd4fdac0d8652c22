"""A day before and a day after an `end` are judged by the right terms, through the real dbt marts.

The lake: binance BTC/USDT on 2026-03-09 and 2026-03-10, a book every 10 minutes, bid 99.9 x 50 and
ask 100.1 x 50: spread 20 bps, depth within 200 bps 4,995 USD bid / 5,005 USD ask, coverage 144 of
1,440 minutes = 10 %. The old terms (spread <= 10 bps) fail every snapshot; `mmwatch obligations end`
stops them on 2026-03-10 and `add` puts new terms (spread <= 25 bps, depth >= 1,000 USD) in force from
that day, which pass. The build reads <data dir>/obligations.csv, the file the CLI edited, through the
checked copy every build makes.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from mmwatch.obligations import OBLIGATIONS_ENV, checked_copy

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))
try:
    from dbt_harness import day_start_ms, query, run_dbt, snapshot, write_lake_orderbooks
finally:
    sys.path.pop(0)

BEFORE, AFTER = "2026-03-09", "2026-03-10"
MARKET = ["--mm", "Acme", "--exchange", "binance", "--symbol", "BTC/USDT", "--depth-band-bps", "200",
          "--min-uptime-pct", "90", "--min-coverage-pct", "5"]


@pytest.fixture(scope="module")
def daily(tmp_path_factory) -> dict:
    data_dir = tmp_path_factory.mktemp("obligations_end")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(OBLIGATIONS_ENV, raising=False)
        patch.setenv("MMWATCH_DATA_DIR", str(data_dir))
        runner = CliRunner()
        for args in (["add", "--id", "acme-old", *MARKET, "--from", "2026-03-01", "--max-spread-bps", "10",
                      "--min-depth-usd", "1000"],
                     ["end", "acme-old", "--on", AFTER],
                     ["add", "--id", "acme-new", *MARKET, "--from", AFTER, "--max-spread-bps", "25",
                      "--min-depth-usd", "1000"]):
            result = runner.invoke(app, ["obligations", *args])
            assert result.exit_code == 0, result.output
        copy, _ = checked_copy(data_dir)
    rows = [snapshot("binance", "BTC/USDT", day_start_ms(day) + minute * 60_000, [(99.9, 50.0)], [(100.1, 50.0)])
            for day in (BEFORE, AFTER) for minute in range(0, 1440, 10)]
    write_lake_orderbooks(data_dir, rows)
    run_dbt(data_dir, ["build", "--select", "+fct_mm_compliance_monthly", "+dim_obligations",
                       "--indirect-selection", "cautious"], {"obligations_csv": str(copy)})
    found = query(data_dir, "select obligation_id, cast(day as varchar) as day, verdict, uptime_pct, coverage_pct, "
                            "max_spread_bps from fct_mm_compliance_daily order by day, obligation_id")
    monthly = query(data_dir, "select obligation_id, pass_days, fail_days, verdict from fct_mm_compliance_monthly "
                              "order by obligation_id")
    return {"daily": {(r["obligation_id"], r["day"]): r for r in found}, "monthly": monthly}


def test_the_day_before_the_end_is_judged_by_the_old_terms_only(daily):
    assert [key for key in daily["daily"] if key[1] == BEFORE] == [("acme-old", BEFORE)]
    old = daily["daily"][("acme-old", BEFORE)]
    assert (old["verdict"], old["uptime_pct"], old["coverage_pct"], old["max_spread_bps"]) == ("fail", 0.0, 10.0, 10.0)


def test_the_day_of_the_end_is_judged_by_the_new_terms_only(daily):
    assert [key for key in daily["daily"] if key[1] == AFTER] == [("acme-new", AFTER)]
    new = daily["daily"][("acme-new", AFTER)]
    assert (new["verdict"], new["uptime_pct"], new["coverage_pct"], new["max_spread_bps"]) == ("pass", 100.0, 10.0, 25.0)


def test_the_month_keeps_both_terms(daily):
    assert [(r["obligation_id"], r["pass_days"], r["fail_days"], r["verdict"]) for r in daily["monthly"]] == \
        [("acme-new", 1, 0, "pass"), ("acme-old", 0, 1, "fail")]
