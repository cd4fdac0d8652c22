"""`mmwatch alerts replay|evaluate|list|test-channel` through the real CLI."""
from __future__ import annotations

import shutil

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from cli.app import app

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path, scenario_marts):
    shutil.copyfile(scenario_marts[0], tmp_path / "warehouse.duckdb")
    return tmp_path


@pytest.mark.e2e
def test_replay_prints_the_day_and_touches_nothing(data_dir, scenario_marts):
    day = scenario_marts[1]["rules"]
    result = runner.invoke(app, ["alerts", "replay", "--date", day, "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("01:04  FIRE") and "wide_spread binance BTC/USDT" in line for line in lines)
    assert any(line.startswith("01:12  CLOSE") and "wide_spread" in line for line in lines)
    assert any(line.startswith("05:14  ESCALATE") and "wide_spread" in line for line in lines)
    assert any(line.startswith("04:04  FIRE") and "no_data" in line for line in lines)
    assert "nothing sent, ledger untouched" in lines[-1]
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        assert not con.execute("select count(*) from information_schema.schemata where schema_name = 'alerts'").fetchone()[0]


@pytest.mark.e2e
def test_evaluate_then_list(data_dir, scenario_marts):
    day = scenario_marts[1]["rules"]
    result = runner.invoke(app, ["alerts", "evaluate", "--date", day, "--data-dir", str(data_dir), "--no-send"])
    assert result.exit_code == 0, result.output
    assert "open     warning  wide_spread|binance|BTC/USDT|spot|@2026-11-20T01:04:00+00:00" in result.output
    listed = runner.invoke(app, ["alerts", "list", "--status", "all", "--date", day, "--data-dir", str(data_dir)])
    assert listed.exit_code == 0 and "FIRED" in listed.output
    count = int(listed.output.strip().splitlines()[-1].split()[0])
    again = runner.invoke(app, ["alerts", "evaluate", "--date", day, "--data-dir", str(data_dir), "--no-send"])
    assert "0 change(s)" in again.output
    assert count == len(expected := [l for l in listed.output.splitlines() if "FIRED" in l]) and expected


def test_test_channel_delivers_and_reports_a_dead_one(tmp_path, receivers, monkeypatch):
    monkeypatch.setenv("HOOK_URL", receivers["webhook"].url + "/in")
    config = tmp_path / "alerts.yaml"
    config.write_text(yaml.safe_dump({
        "channels": {"hook": {"type": "webhook", "url_env": "HOOK_URL"},
                     "dead": {"type": "slack", "webhook_url_env": "DEAD_URL"}},
        "delivery": {"attempts": 2, "backoff_s": 0.01}}), encoding="utf-8")
    ok = runner.invoke(app, ["alerts", "test-channel", "hook", "--config", str(config)])
    assert ok.exit_code == 0 and "delivered" in ok.output
    assert receivers["webhook"].posts[0][1]["event"] == "test"
    dead = runner.invoke(app, ["alerts", "test-channel", "dead", "--config", str(config)])
    assert dead.exit_code == 2 and "DEAD_URL is not set" in dead.output
    unknown = runner.invoke(app, ["alerts", "test-channel", "nope", "--config", str(config)])
    assert unknown.exit_code == 2 and "no channel 'nope'" in unknown.output
