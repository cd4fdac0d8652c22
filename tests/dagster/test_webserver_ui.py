"""What a data engineer sees in `make dev`: the real dagster-webserver loads workspace.yaml and
serves the assets, their partitions, automation conditions and freshness policies, the sensors and
the jobs (asked through its GraphQL API, the one the UI uses)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

QUERY = """{
  assetNodes { assetKey { path } groupName isPartitioned partitionDefinition { description }
    automationCondition { label }
    internalFreshnessPolicy { ... on TimeWindowFreshnessPolicy { failWindowSeconds warnWindowSeconds } } }
  repositoriesOrError { ... on RepositoryConnection { nodes {
    name sensors { name } jobs { name } } } }
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


@pytest.fixture
def webserver(tmp_path, dbt_manifest):
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home"),
           "MMWATCH_DATA_DIR": str(tmp_path / "data")}
    (tmp_path / "dagster_home").mkdir()
    webserver_bin = Path(sys.executable).parent / "dagster-webserver"
    process = subprocess.Popen([str(webserver_bin), "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"],
                               cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                data = _graphql(url, QUERY)
                if data["assetNodes"]:
                    break
            except (OSError, KeyError, TypeError):
                pass
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            time.sleep(1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_ui_shows_assets_partitions_automation_sensors_and_jobs(webserver):
    data = _graphql(webserver, QUERY)
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    for raw in ("raw_orderbooks", "raw_trades", "raw_fetch_errors"):
        assert nodes[raw]["isPartitioned"]
        assert "date" in nodes[raw]["partitionDefinition"]["description"].lower()
        assert "exchange" in nodes[raw]["partitionDefinition"]["description"].lower()
    marts = [key for key in nodes if key.endswith("fct_mm_compliance_daily")]
    assert marts and nodes[marts[0]]["isPartitioned"]
    assert any(key.endswith("fct_orderbook_snapshot_metrics") for key in nodes)
    assert "compliance_report" in nodes
    in_marts = [n for n in nodes.values() if n["groupName"] == "marts"]
    assert len(in_marts) == 24
    for node in in_marts:  # every mart: its automation condition and its freshness policy, in the UI
        assert node["automationCondition"]["label"] == "mart"
        assert node["internalFreshnessPolicy"]["warnWindowSeconds"] < node["internalFreshnessPolicy"]["failWindowSeconds"]
    assert nodes["raw_orderbooks"]["internalFreshnessPolicy"] == {"failWindowSeconds": 450, "warnWindowSeconds": 150}
    (repository,) = data["repositoriesOrError"]["nodes"]
    assert {s["name"] for s in repository["sensors"]} == {
        "landing_sensor", "run_failure_sensor", "heartbeat_sensor", "freshness_sensor", "marts_automation",
        "alerts_automation", "serving_automation", "report_automation"}
    assert {"raw_ingest_job", "daily_marts_job"} <= {j["name"] for j in repository["jobs"]}
