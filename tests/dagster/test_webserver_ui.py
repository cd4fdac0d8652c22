"""What a data engineer sees in `make dev`: the real dagster-webserver loads workspace.yaml and
serves the assets, their partitions, automation conditions and freshness policies, the sensors and
the jobs (asked through its GraphQL API, the one the UI uses)."""
from __future__ import annotations

import pytest

from benchmarks.webserver_process import graphql, webserver_on

QUERY = """{
  assetNodes { assetKey { path } groupName isPartitioned partitionDefinition { description }
    automationCondition { label }
    internalFreshnessPolicy { ... on TimeWindowFreshnessPolicy { failWindowSeconds warnWindowSeconds } } }
  repositoriesOrError { ... on RepositoryConnection { nodes {
    name sensors { name } jobs { name } } } }
}"""


@pytest.fixture
def webserver(tmp_path, dbt_manifest):
    with webserver_on(tmp_path) as server:
        yield server.url


def test_ui_shows_assets_partitions_automation_sensors_and_jobs(webserver):
    data = graphql(webserver, QUERY)
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
