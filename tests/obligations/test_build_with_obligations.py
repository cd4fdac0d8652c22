"""`mmwatch build --obligations FILE` for real (Dagster, dbt, report): a spec-shaped file (13
columns, in another order) builds, and an obligation whose market never landed an order book gets
a warning line at the end of the output and "no data collected for this market" in the report.
A bad file stops the build before any Dagster run, every problem listed."""
from __future__ import annotations

import pytest
from obligations_files import row, write_csv
from thin_morning_day import landing_factory, thin_morning_books
from typer.testing import CliRunner

from cli.app import app
from mmwatch.obligations import CANONICAL_COLUMNS, OBLIGATIONS_ENV, SPEC_COLUMNS

TERMS = {"mm_name": "Acme", "valid_from": "2026-11-01", "max_spread_bps": "20", "depth_band_bps": "50",
         "min_depth_usd": "25000", "min_uptime_pct": "70"}


@pytest.fixture
def build_env(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(data))
    monkeypatch.setenv("DAGSTER_HOME", str(data / "dagster_home"))
    monkeypatch.delenv(OBLIGATIONS_ENV, raising=False)
    return data


def test_a_bad_file_stops_the_build_before_dagster(build_env, tmp_path):
    bad = write_csv(tmp_path / "bad.csv", [row(depth_band_bps="0"), row(obligation_id="b", market_type="swap")])
    result = CliRunner().invoke(app, ["build", "--date", "2026-11-20", "--obligations", str(bad)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{bad}:2: column depth_band_bps: value '0': must be greater than 0" in result.output
    assert f"{bad}:3: column market_type: value 'swap': does not match symbol 'BTC/USDT'" in result.output
    assert not (build_env / "dagster_home").exists()  # no run was started


@pytest.mark.e2e
def test_spec_file_builds_and_a_market_without_data_is_named(dbt_manifest, build_env, tmp_path):
    from mmwatch.landing.zone import write_landing
    from mmwatch.settings import DataDir

    lf = landing_factory()
    layout = DataDir.from_env(build_env).ensure()
    write_landing(layout, "orderbooks", lf.DAY, "binance", lf.books_frame(thin_morning_books(lf)), "collector")
    spec_file = write_csv(tmp_path / "obligations.csv", [
        # minutes 0-359 of 1,440 are thin (about 10k USD a side, below 25k): uptime 75 % >= 70: pass
        row(obligation_id="acme-btc", **TERMS),
        # ETH/USDT was never collected: coverage 0, insufficient_data, and said so
        row(obligation_id="acme-eth", symbol="ETH/USDT", **TERMS),
    ], tuple(reversed(SPEC_COLUMNS)))

    result = CliRunner().invoke(app, ["build", "--date", lf.DAY, "--obligations", str(spec_file)])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()  # (dbt's own log lines come first)
    lines = lines[lines.index(f"obligations: {spec_file}: OK: 2 obligations on 2 markets of 1 market maker"):]
    btc = next(line for line in lines if "BTC/USDT (spot)" in line).split()
    assert btc[-3:] == ["pass", "75.00", "100.00"]
    eth = next(line for line in lines if "ETH/USDT (spot)" in line).split()
    assert eth[-3:] == ["insufficient_data", "—", "0.00"]  # the verdict stays the spec's
    assert lines[-1] == (
        "warning: obligation acme-eth (Acme, binance ETH/USDT spot): no data collected for this market: no order "
        "book of it has ever landed, so its days are insufficient_data; check the obligation's exchange, "
        "market_type and symbol, or add the market to the collection config (`mmwatch markets --exchange binance` "
        "lists what the venue offers)")
    assert sum("no data collected" in line for line in lines) == 1

    html = (layout.reports / f"compliance-{lf.DAY}.html").read_text()
    eth_row = html.split('data-obligation="acme-eth"')[1].split("</tr>")[0]
    assert "no data collected for this market (no order book of binance ETH/USDT (spot) has ever landed)" in eth_row
    btc_row = html.split('data-obligation="acme-btc"')[1].split("</tr>")[0]
    assert "no data collected" not in btc_row and "75.00 %" in btc_row
    [copy] = (layout.root / "obligations").glob("*.csv")  # what dbt read: canonical, alert_after_s filled
    assert copy.read_text().splitlines()[0] == ",".join(CANONICAL_COLUMNS)
    assert copy.read_text().splitlines()[1].endswith(",70,90,75,300")
