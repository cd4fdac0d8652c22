"""`mmwatch config check` against real servers: with every setting in place (files that parse, the
secrets they name, an SMTP server (aiosmtpd) and the local PostgreSQL for publishing and Dagster) it
passes and says what runs by default; with each piece broken or missing, each is named with what to
do, and it exits 1."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mmwatch.mail.loopback import LoopbackSmtp
from mmwatch.environment import SETTINGS

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def smtp():
    with LoopbackSmtp() as server:
        yield server


@pytest.fixture
def good_env(tmp_path, smtp, pg_dsn) -> dict[str, str]:
    """A complete environment, as a filled-in .env gives it (PostgreSQL: tests/conftest.py pg_dsn,
    skipped when unreachable, failed under CI=true)."""
    alerts = {"channels": {"ops-email": {"type": "email", "to": ["ops@example.com"]},
                           "data-hook": {"type": "webhook", "url_env": "TEST_HOOK_URL"}},
              "routes": [{"route": "market", "channels": ["ops-email"]}, {"route": "data", "channels": ["data-hook"]},
                         {"rules": ["run_failure"], "channels": ["data-hook"]}]}
    (tmp_path / "alerts.yaml").write_text(yaml.safe_dump(alerts))
    (tmp_path / "groups.yaml").write_text(yaml.safe_dump({"groups": [{"name": "desk", "recipients": ["a@example.com"]}]}))
    shutil.copyfile(REPO / "dbt" / "seeds" / "mm_obligations.csv", tmp_path / "obligations.csv")
    shutil.copyfile(REPO / "config" / "demo.yaml", tmp_path / "collect.yaml")
    env = {setting.name: "" for setting in SETTINGS}  # nothing from the test runner's own environment
    env.update({
        "MMWATCH_DATA_DIR": str(tmp_path / "data"), "MMWATCH_CONFIG": str(tmp_path / "collect.yaml"),
        "MMWATCH_ALERTS_CONFIG": str(tmp_path / "alerts.yaml"), "TEST_HOOK_URL": "http://127.0.0.1:9/hook",
        "MMWATCH_REPORT_GROUPS": str(tmp_path / "groups.yaml"), "MMWATCH_OBLIGATIONS_CSV": str(tmp_path / "obligations.csv"),
        "MMWATCH_SMTP_HOST": "127.0.0.1", "MMWATCH_SMTP_PORT": str(smtp.port), "MMWATCH_ANALYTICS_DSN": pg_dsn,
        "DAGSTER_PG_HOST": "127.0.0.1", "DAGSTER_PG_PORT": "5432", "DAGSTER_PG_USER": "postgres",
        "DAGSTER_PG_PASSWORD": "trusted-locally", "DAGSTER_PG_DB": "postgres"})
    return env


def _check(env: dict[str, str]):
    from cli.app import app

    return CliRunner().invoke(app, ["config", "check"], env=env)


def _line(output: str, start: str) -> str:
    found = [line for line in output.splitlines() if line.startswith(start)]
    assert len(found) == 1, f"no single line starting {start!r} in:\n{output}"
    return found[0]


def test_a_complete_environment_passes_and_says_what_runs(good_env, smtp):
    result = _check(good_env)
    assert result.exit_code == 0, result.output
    assert not [line for line in result.output.splitlines() if line.startswith("FAIL")]
    assert _line(result.output, "ok    collection config").endswith("5 venues, 9 markets")
    assert _line(result.output, "ok    obligations").endswith("OK: 4 obligations on 4 markets of 2 market makers")
    assert "2 channels, 3 routes" in _line(result.output, "ok    alerts config")
    assert "1 groups, 1 recipients" in _line(result.output, "ok    report groups")
    assert _line(result.output, "ok    SMTP").endswith(f"127.0.0.1:{smtp.port} (none) answers "
                                                      "(for email alert channels, the report)")
    assert _line(result.output, "ok    PostgreSQL analytics").endswith("answers (127.0.0.1:5432/postgres)")
    assert _line(result.output, "ok    PostgreSQL Dagster storage")
    for name in ("serving", "report", "market_data"):
        assert "runs (" in _line(result.output, f"ok    automation {name}")
    assert smtp.messages == []  # reached, nothing sent


def test_each_missing_piece_is_named_with_what_to_do(good_env, tmp_path):
    bad_obligations = tmp_path / "bad.csv"
    seed = (REPO / "dbt" / "seeds" / "mm_obligations.csv").read_text().splitlines()
    bad_obligations.write_text("\n".join([seed[0], seed[1].replace(",spot,", ",spott,")]) + "\n")
    bad_config = tmp_path / "bad.yaml"
    bad_config.write_text("exchanges:\n  binanse:\n    markets: [BTC/USDT]\n")
    broken = {**good_env, "TEST_HOOK_URL": "", "MMWATCH_SMTP_PORT": "9", "DAGSTER_PG_PASSWORD": "",
              "MMWATCH_ANALYTICS_DSN": "postgresql://postgres@127.0.0.1:9/postgres",
              "MMWATCH_OBLIGATIONS_CSV": str(bad_obligations), "MMWATCH_REPORT_GROUPS": str(tmp_path / "none.yaml"),
              "MMWATCH_CONFIG": str(bad_config)}
    result = _check(broken)
    assert result.exit_code == 1
    assert "unknown exchange 'binanse'" in _line(result.output, "FAIL  collection config")
    assert "spott" in _line(result.output, "FAIL  obligations") and "bad.csv" in result.output
    assert _line(result.output, "FAIL  alerts channel data-hook").startswith(
        "FAIL  alerts channel data-hook: TEST_HOOK_URL not set")
    assert "none.yaml" in _line(result.output, "FAIL  report groups")
    assert "cannot reach the SMTP server 127.0.0.1:9" in _line(result.output, "FAIL  SMTP")
    assert "needed by email alert channels" in _line(result.output, "FAIL  SMTP")
    assert "check MMWATCH_ANALYTICS_DSN" in _line(result.output, "FAIL  PostgreSQL analytics")
    assert _line(result.output, "FAIL  PostgreSQL Dagster storage").endswith("DAGSTER_PG_PASSWORD not set")
    assert "7 problems: fix them" in result.output


def test_without_an_alerts_config_nobody_would_hear_of_anything(good_env):
    result = _check({**good_env, "MMWATCH_ALERTS_CONFIG": ""})
    assert result.exit_code == 1
    assert "nobody gets an alert" in _line(result.output, "FAIL  alerts config")
    Path(good_env["MMWATCH_ALERTS_CONFIG"]).write_text(yaml.safe_dump({
        "channels": {"x": {"type": "email", "to": ["a@example.com"]}}, "routes": [{"route": "market", "channels": ["x"]}]}))
    routed = _check(good_env)
    assert "no route sends no_data, run_failure anywhere" in _line(routed.output, "FAIL  alerts route data")
