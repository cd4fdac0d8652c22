"""The obligations through a small real dbt build: a header in another order gives the same
verdicts (the misread the issue saw flipped fail to pass), the 13-column spec file builds through
its checked copy, and an obligation whose market never landed an order book is marked
(dim_obligations.market_has_data) and reported as "no data collected for this market".

The lake: binance BTC/USDT, one book a minute all day, bid 99.9 x 50 and ask 100.1 x 50: mid 100,
spread 0.2 / 100 x 10,000 = 20 bps, depth within 200 bps 4,995 USD bid / 5,005 USD ask.
"""
from __future__ import annotations

import csv
import io
import shutil
import sys
from pathlib import Path

import pytest
from obligations_files import row, write_csv

from mmwatch.obligations import CANONICAL_COLUMNS, SPEC_COLUMNS, checked_copy
from mmwatch.report.bundle import csv_rows
from mmwatch.report.compliance import load_compliance_rows, render_compliance_html, render_template, report_context
from mmwatch.report.marts import load_day_marts
from mmwatch.report.no_data import no_data_warnings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))
try:
    from dbt_harness import day_start_ms, query, run_dbt, snapshot, write_lake_orderbooks
finally:
    sys.path.pop(0)

DAY = "2026-03-10"
TERMS = {"depth_band_bps": "200", "min_uptime_pct": "90", "valid_from": "2026-03-01"}
OBLIGATIONS = [
    # spread 20 > 10 bps in every snapshot: uptime 0, fail (read by position as the old macro did,
    # min_depth_usd and max_spread_bps swapped: spread <= 1,000 bps and depth >= 10 USD, a pass)
    row(obligation_id="o-tight", max_spread_bps="10", min_depth_usd="1000", **TERMS),
    # spread 20 <= 25 bps, depth 4,995 / 5,005 >= 1,000 USD: uptime 100, pass
    row(obligation_id="o-loose", max_spread_bps="25", min_depth_usd="1000", **TERMS),
    # bid depth 4,995 < 5,000 USD: no snapshot compliant, uptime 0, fail
    row(obligation_id="o-deep", max_spread_bps="25", min_depth_usd="5000", **TERMS),
    # a typo: no order book of BTC/USTD ever landed; coverage 0 < 90: insufficient_data
    row(obligation_id="o-typo", symbol="BTC/USTD", max_spread_bps="25", min_depth_usd="1000", **TERMS),
]
# (verdict, uptime_pct, coverage_pct, market_has_data) worked out above
EXPECTED = {
    "o-tight": ("fail", 0.0, 100.0, True),
    "o-loose": ("pass", 100.0, 100.0, True),
    "o-deep": ("fail", 0.0, 100.0, True),
    "o-typo": ("insufficient_data", None, 0.0, False),
}
SHUFFLED = ("min_depth_usd", "symbol", "max_spread_bps", "alert_after_s", "valid_to", "obligation_id", "min_days_pct",
            "exchange", "depth_band_bps", "market_type", "mm_name", "min_coverage_pct", "valid_from", "min_uptime_pct")


def _verdicts(data_dir: Path) -> dict:
    rows = query(data_dir, "select daily.obligation_id, verdict, uptime_pct, coverage_pct, market_has_data, "
                           "dim.alert_after_s from fct_mm_compliance_daily daily join dim_obligations dim "
                           "using (obligation_id) where day = ?", [DAY])
    return {r["obligation_id"]: r for r in rows}


def _build(data_dir: Path, obligations_csv: Path) -> dict:
    run_dbt(data_dir, ["build", "--select", "+fct_mm_compliance_daily", "+dim_obligations", "+dim_markets",
                          "--indirect-selection", "cautious"],
            {"day": DAY, "obligations_csv": str(obligations_csv)})
    return _verdicts(data_dir)


def _read_only_copy(data_dir: Path) -> Path:
    """The warehouse as the report reads it (read-only), copied: in-process dbt keeps its own
    connection to the file open, and DuckDB refuses a second one with another configuration."""
    copy = data_dir / "report" / "warehouse.duckdb"
    copy.parent.mkdir()
    for suffix in ("", ".wal"):
        if (data_dir / f"warehouse.duckdb{suffix}").exists():
            shutil.copy(data_dir / f"warehouse.duckdb{suffix}", copy.with_name(copy.name + suffix))
    return copy


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """The day built twice on one lake: from the checked copy of the 13-column spec file (columns
    reversed), then from a 14-column file in another order given straight to dbt."""
    data_dir = tmp_path_factory.mktemp("obligations_dbt")
    d0 = day_start_ms(DAY)
    write_lake_orderbooks(data_dir, [snapshot("binance", "BTC/USDT", d0 + minute * 60_000, [(99.9, 50.0)],
                                              [(100.1, 50.0)]) for minute in range(1440)])
    spec_file = write_csv(data_dir / "spec.csv", OBLIGATIONS, tuple(reversed(SPEC_COLUMNS)))
    copy, _ = checked_copy(data_dir, spec_file)
    from_copy = _build(data_dir, copy)
    warehouse = _read_only_copy(data_dir)
    report_rows = load_compliance_rows(warehouse, DAY)
    report = {"rows": report_rows, "warnings": no_data_warnings(warehouse, report_rows),
              "marts": load_day_marts(warehouse, DAY)}
    shuffled = write_csv(data_dir / "shuffled.csv", OBLIGATIONS, SHUFFLED)
    return {"from_copy": from_copy, "shuffled": _build(data_dir, shuffled), "report": report}


def test_the_spec_file_builds_with_the_expected_verdicts(built):
    found = built["from_copy"]
    assert {oid: (r["verdict"], r["uptime_pct"], r["coverage_pct"], r["market_has_data"]) for oid, r in found.items()} \
        == EXPECTED
    assert {r["alert_after_s"] for r in found.values()} == {300.0}  # absent from the spec file: the default


def test_a_header_in_another_order_gives_the_same_verdicts(built):
    assert set(SHUFFLED) == set(CANONICAL_COLUMNS) and SHUFFLED != CANONICAL_COLUMNS
    assert built["shuffled"] == built["from_copy"]


def test_the_report_says_no_data_collected_for_that_market(built):
    rows, marts = built["report"]["rows"], built["report"]["marts"]
    by_id = {r.obligation_id: r for r in rows}
    assert by_id["o-typo"].verdict == "insufficient_data" and by_id["o-typo"].market_has_data is False
    assert all(r.market_has_data for oid, r in by_id.items() if oid != "o-typo")
    html = render_compliance_html(DAY, rows, "test")
    typo_row = html.split('data-obligation="o-typo"')[1].split("</tr>")[0]
    assert ("insufficient data: no data collected for this market (no order book of binance BTC/USTD (spot) "
            "has ever landed), no verdict") in typo_row
    assert html.count("no data collected for this market (") == 1
    assert "4 obligations" in html and "1 with insufficient data" in html
    assert "1 with no data collected for their market" in html
    text = render_template("compliance.txt.j2", report_context(DAY, rows, "test"))
    assert "verdict: insufficient data: no data collected for this market" in text
    by_csv = {r["obligation_id"]: r for r in csv.DictReader(io.StringIO(csv_rows(marts, rows)))}
    assert (by_csv["o-typo"]["verdict"], by_csv["o-typo"]["market_has_data"]) == ("insufficient_data", "false")
    assert by_csv["o-typo"]["verdict_note"].startswith("no data collected for this market")
    assert (by_csv["o-tight"]["market_has_data"], by_csv["o-tight"]["verdict_note"]) == ("true", "")


def test_the_build_warning_names_the_obligation_and_the_market_it_probably_means(built):
    assert built["report"]["warnings"] == [
        "obligation o-typo (Acme, binance BTC/USTD spot): no data collected for this market: no order book of it "
        "has ever landed, so its days are insufficient_data; markets of binance with data and a similar name: "
        "BTC/USDT (spot): check the obligation"]
