"""Fixtures of the alert tests: the scenario marts (built once per session through the project's
own path), real loopback receivers for the HTTP channels and a real SMTP server (aiosmtpd)."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from loopback import Receiver
from mmwatch.mail.loopback import LoopbackSmtp

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def scenario_marts(tmp_path_factory, dbt_manifest) -> tuple[Path, dict[str, str]]:
    """(warehouse, {'rules': day, 'quiet': day}) of scenarios/alerts_rules.yaml and alerts_quiet.yaml;
    $MMWATCH_ALERTS_TEST_DATA reuses a data directory built earlier (local iteration only)."""
    from scenario_marts import QUIET_SCENARIO, RULES_SCENARIO, build_scenario_marts
    from simulator.scenario import load_scenario

    reuse = os.environ.get("MMWATCH_ALERTS_TEST_DATA")
    if reuse and (Path(reuse) / "warehouse.duckdb").is_file():
        days = {"rules": load_scenario(RULES_SCENARIO).date.isoformat(),
                "quiet": load_scenario(QUIET_SCENARIO).date.isoformat()}
        return Path(reuse) / "warehouse.duckdb", days
    root = tmp_path_factory.mktemp("alerts-data")
    saved = {k: os.environ.get(k) for k in ("MMWATCH_DATA_DIR", "DAGSTER_HOME")}
    os.environ["MMWATCH_DATA_DIR"], os.environ["DAGSTER_HOME"] = str(root), str(root / "dagster_home")
    try:
        days = build_scenario_marts(root)
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    return root / "warehouse.duckdb", days


@pytest.fixture
def warehouse_copy(scenario_marts, tmp_path) -> Path:
    """A private copy of the scenario warehouse (the ledger is written into it)."""
    target = tmp_path / "warehouse.duckdb"
    shutil.copyfile(scenario_marts[0], target)
    return target


@pytest.fixture
def receivers():
    """Three independent loopback endpoints: slack, telegram, webhook."""
    made = {name: Receiver() for name in ("slack", "telegram", "webhook")}
    yield made
    for receiver in made.values():
        receiver.close()


@pytest.fixture
def smtp_server(monkeypatch):
    """A real SMTP server on loopback (aiosmtpd) that keeps every message; MMWATCH_SMTP_* point at it."""
    with LoopbackSmtp() as server:
        monkeypatch.setenv("MMWATCH_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("MMWATCH_SMTP_PORT", str(server.port))
        yield server


@pytest.fixture
def channel_config(receivers, smtp_server, monkeypatch):
    """An alerts config routing market alerts to slack + email, critical ones also to the webhook,
    data alerts and run failures to telegram; secrets only in the environment. The heartbeat is off:
    the marts' no_data is sent as it is where no heartbeat runs (test_ledger_delivery.py checks it is
    only recorded while the heartbeat sends it)."""
    from mmwatch.alerts.config import parse_alerts_config

    monkeypatch.setenv("TEST_SLACK_URL", receivers["slack"].url + "/hook")
    monkeypatch.setenv("TEST_TG_TOKEN", "123:abc")
    monkeypatch.setenv("TEST_WEBHOOK_URL", receivers["webhook"].url + "/alerts")
    return parse_alerts_config({
        "channels": {
            "ops-slack": {"type": "slack", "webhook_url_env": "TEST_SLACK_URL"},
            "ops-email": {"type": "email", "to": ["ops@example.com"]},
            "data-telegram": {"type": "telegram", "bot_token_env": "TEST_TG_TOKEN", "chat_id": "42",
                              "base_url": receivers["telegram"].url},
            "hook": {"type": "webhook", "url_env": "TEST_WEBHOOK_URL"},
        },
        "routes": [
            {"route": "market", "channels": ["ops-slack", "ops-email"]},
            {"route": "market", "severities": ["critical"], "channels": ["hook"]},
            {"route": "data", "channels": ["data-telegram"]},
            {"rules": ["run_failure"], "channels": ["data-telegram"]},
        ],
        "delivery": {"attempts": 3, "backoff_s": 0.01, "backoff_max_s": 0.05, "timeout_s": 5},
        "heartbeat": {"enabled": False},
    }, "test-config")
