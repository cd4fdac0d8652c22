"""The HTML report states each obligation's verdict and numbers exactly as the mart holds them."""
from __future__ import annotations

import duckdb
import pytest

from mmwatch.errors import ConfigError, MmwatchError
from mmwatch.report import render_compliance_report

DAY = "2026-11-20"

_COLUMNS = """obligation_id varchar, day date, mm_name varchar, exchange varchar, market_type varchar,
    symbol varchar, max_spread_bps double, depth_band_bps double, min_depth_usd double,
    min_uptime_pct double, min_coverage_pct double, uptime_pct double, bid_uptime_pct double,
    ask_uptime_pct double, coverage_pct double, covered_minutes bigint, breach_minutes bigint,
    breach_episodes bigint, longest_breach_s double, verdict varchar, median_spread_bps double,
    median_depth_bid_usd double, median_depth_ask_usd double"""

_ROWS = [
    ("ob-pass", DAY, "Acme <script>alert('x')</script>", "binance", "spot", "BTC/USDT", 10, 200, 50000, 90, 90,
     97.25, 98.5, 96.75, 99.3, 1430, 12, 3, 185.0, "pass", 7.25, 62_100.0, 58_000.0),
    ("ob-fail", DAY, "Orbit Markets", "okx", "swap", "ETH/USDT:USDT", 15, 100, 20000, 95, 90,
     61.125, 70.0, 52.25, 95.0, 1368, 530, 17, 3725.0, "fail", 22.5, 15_000.0, 9_000.0),
    ("ob-thin", DAY, "Quiet MM", "gate", "spot", "SOL/USDT", 35, 200, 25000, 85, 90,
     None, None, None, 12.5, 180, 0, 0, 0.0, "insufficient_data", None, None, None),
    ("ob-other-day", "2026-11-19", "Acme", "binance", "spot", "BTC/USDT", 10, 200, 50000, 90, 90,
     10.0, 10.0, 10.0, 100.0, 1440, 1400, 1, 80000.0, "fail", 50.0, 1.0, 1.0),
]


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(f"create table fct_mm_compliance_daily ({_COLUMNS})")
        con.executemany(f"insert into fct_mm_compliance_daily values ({', '.join('?' * 23)})", _ROWS)
    return path


def test_each_obligation_with_verdict_and_numbers(warehouse):
    html = render_compliance_report(warehouse, DAY)
    assert "3 obligations" in html
    assert '<span class="pass">1 passed</span>' in html
    assert '<span class="fail">1 failed</span>' in html
    assert "1 with insufficient data" in html
    for expected in ("97.25 %", "98.50 %", "96.75 %", "99.30 %", "61.12 %", "52.25 %", "3 min 05 s", "1 h 02 min"):
        assert expected in html
    assert 'data-obligation="ob-fail"' in html and "ETH/USDT:USDT (swap)" in html
    assert "insufficient data: coverage 12.50 % is below the required 90.00 %" in html
    assert "ob-other-day" not in html  # another day's row never leaks in
    assert "spread ≤ 10 bps; depth ≥ $50,000 per side within 200 bps" in html
    # the mart's medians next to the thresholds
    assert "7.2 bps / 10 bps" in html and "$62.1k / $58.0k vs $50.0k within 200 bps" in html
    assert "22.5 bps / 15 bps" in html and "$15.0k / $9.0k vs $20.0k within 100 bps" in html


def test_names_are_escaped(warehouse):
    html = render_compliance_report(warehouse, DAY)
    assert "<script>alert" not in html
    assert "Acme &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_warehouse_is_opened_read_only(warehouse):
    with duckdb.connect(str(warehouse), read_only=True):
        render_compliance_report(warehouse, DAY)  # a second read-only reader is fine


def test_clear_errors(tmp_path, warehouse):
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        render_compliance_report(warehouse, "20-11-2026")
    with pytest.raises(MmwatchError, match="mmwatch build --date"):
        render_compliance_report(tmp_path / "missing.duckdb", DAY)


def test_a_market_never_collected_is_said_so_instead_of_low_coverage(warehouse):
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table dim_obligations (obligation_id varchar, market_has_data boolean)")
        con.execute("insert into dim_obligations values ('ob-pass', true), ('ob-fail', true), ('ob-thin', false)")
    html = render_compliance_report(warehouse, DAY)
    thin = html.split('data-obligation="ob-thin"')[1].split("</tr>")[0]
    assert ("insufficient data: no data collected for this market (no order book of gate SOL/USDT (spot) has ever "
            "landed), no verdict") in thin
    assert "coverage 12.50 % is below" not in html
    assert "1 with insufficient data</span>" in html and "1 with no data collected for their market" in html


def test_a_warehouse_without_market_has_data_claims_nothing(warehouse):
    html = render_compliance_report(warehouse, DAY)  # no dim_obligations: built before the column existed
    assert "no data collected for this market (" not in html and "with no data collected" not in html
