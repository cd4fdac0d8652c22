"""`mmwatch obligations check FILE`: every problem a line and exit 2, or one OK line and exit 0."""
from __future__ import annotations

import re

from obligations_files import row, write_csv
from typer.testing import CliRunner

from cli.app import app
from mmwatch.obligations import SEED_CSV, SPEC_COLUMNS

runner = CliRunner()


def test_a_good_file_prints_one_ok_line(tmp_path):
    path = write_csv(tmp_path / "o.csv", [
        row(), row(obligation_id="acme-eth", symbol="ETH/USDT"),
        row(obligation_id="orbit-btc", mm_name="Orbit", exchange="okx", market_type="swap", symbol="BTC/USDT:USDT"),
        row(obligation_id="orbit-btc-strict", mm_name="Orbit", exchange="okx", market_type="swap",
            symbol="BTC/USDT:USDT", max_spread_bps="5")], SPEC_COLUMNS)
    result = runner.invoke(app, ["obligations", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output == f"{path}: OK: 4 obligations on 3 markets of 2 market makers\n"


def test_the_seed_checks(tmp_path):
    result = runner.invoke(app, ["obligations", "check", str(SEED_CSV)])
    assert result.exit_code == 0 and result.output == f"{SEED_CSV}: OK: 4 obligations on 4 markets of 2 market makers\n"


def test_every_problem_is_printed_a_line_each_and_exits_2(tmp_path):
    path = write_csv(tmp_path / "o.csv", [
        row(min_uptime_pct="0"), row(obligation_id="b", exchange="kraken"),
        row(obligation_id="c", valid_to="2024-01-01", depth_band_bps="wide")])
    result = runner.invoke(app, ["obligations", "check", str(path)])
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    line_format = re.compile(rf"^{re.escape(str(path))}:(\d+): column (\w+): value '([^']*)': .+$")
    found = [line_format.match(line).groups() for line in lines]
    assert found == [("2", "min_uptime_pct", "0"), ("3", "exchange", "kraken"), ("4", "valid_to", "2024-01-01"),
                     ("4", "depth_band_bps", "wide")]
    assert "Traceback" not in result.output


def test_a_missing_file_exits_2(tmp_path):
    result = runner.invoke(app, ["obligations", "check", str(tmp_path / "none.csv")])
    assert result.exit_code == 2 and f"obligations file {tmp_path / 'none.csv'} does not exist" in result.output


def test_listed_in_help():
    assert "obligations" in runner.invoke(app, ["--help"]).output
    assert "check" in runner.invoke(app, ["obligations", "--help"]).output
