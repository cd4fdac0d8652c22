"""The provisioner against the CONTRACT DOUBLE of Metabase's REST API (tests/metabase/metabase_double.py)."""
from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import requests
import yaml
from typer.testing import CliRunner

from cli.app import app
from mmwatch.metabase.client import MetabaseClient
from mmwatch.metabase.content import CONTENT_DIR, load_content
from mmwatch.metabase.provision import Provisioner
from mmwatch.metabase.validate import validate

ADMIN = {"MMWATCH_METABASE_ADMIN_EMAIL": "admin@example.org", "MMWATCH_METABASE_ADMIN_PASSWORD": "s3cret-pass-phrase",
         "MMWATCH_METABASE_READER_PASSWORD": "reader-pw", "MMWATCH_ANALYTICS_HOST": "postgres"}


def _run(url, env, dry_run=False, content_dir=CONTENT_DIR):
    client = MetabaseClient(url)
    steps = Provisioner(client, validate(load_content(content_dir)), dry_run=dry_run, env=env, report=lambda s: None).run()
    return client, steps


def test_provisioning_twice_leaves_one_copy_and_the_second_run_writes_nothing(metabase_double):
    url, state = metabase_double
    content = load_content()
    _, first = _run(url, ADMIN)
    assert ("POST", "/api/setup") in state.writes
    counts = {kind: len(objs) for kind, objs in state.objects.items()}
    assert counts == {"database": 1, "collection": len(content.collections), "card": len(content.cards),
                      "dashboard": len(content.dashboards)}
    db = next(iter(state.objects["database"].values()))
    assert db["engine"] == "postgres" and db["details"]["host"] == "postgres" and db["details"]["user"] == "metabase_reader"
    writes_before = len(state.writes)
    client, second = _run(url, ADMIN)
    assert state.writes[writes_before:] == [] and client.writes == []
    assert Counter(s.action for s in second) == Counter({"unchanged": len(second)})
    assert {kind: len(objs) for kind, objs in state.objects.items()} == counts
    # a dashboard holds its cards where the YAML put them, filters mapped to template tags
    board = next(d for d in state.objects["dashboard"].values() if d["name"] == "MM compliance scorecard")
    cards = {state.objects["card"][c["card_id"]]["name"]: c for c in board["dashcards"]}
    scorecard = cards["MM scorecard by obligation and day"]
    assert (scorecard["row"], scorecard["col"], scorecard["size_x"], scorecard["size_y"]) == (6, 0, 24, 8)
    slugs = {p["id"]: p["slug"] for p in board["parameters"]}
    assert {slugs[m["parameter_id"]]: m["target"] for m in scorecard["parameter_mappings"]}["mm"] == ["variable", ["template-tag", "mm"]]
    # dbt docs reached the fields
    fields = {f["name"]: f for t in state.metadata[db["id"]] if t["name"] == "fct_mm_compliance_daily" for f in t["fields"]}
    assert fields["uptime_pct"]["description"] and fields["exchange"]["semantic_type"] == "type/Category"


def test_dry_run_writes_nothing_and_plans_everything(metabase_double):
    url, state = metabase_double
    content = load_content()
    env = {**ADMIN, "MMWATCH_METABASE_API_KEY": ""}
    client, steps = _run(url, env, dry_run=True)
    assert state.writes == [] and client.writes == []
    creates = Counter(s.kind for s in steps if s.action == "create")
    assert creates["card"] == len(content.cards) and creates["dashboard"] == len(content.dashboards)
    _run(url, ADMIN)
    _, again = _run(url, {"MMWATCH_METABASE_API_KEY": "mb_test_key", "MMWATCH_ANALYTICS_HOST": "postgres"}, dry_run=True)
    assert {s.action for s in again} == {"unchanged"}


def test_an_edited_card_is_exactly_one_update(metabase_double, tmp_path):
    url, state = metabase_double
    content_dir = tmp_path / "metabase"
    shutil.copytree(CONTENT_DIR, content_dir)
    _run(url, ADMIN, content_dir=content_dir)
    path = content_dir / "cards" / "trades.yaml"
    data = yaml.safe_load(path.read_text())
    data["cards"][0]["description"] = "USD volume per venue per day (edited)"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    before = len(state.writes)
    _, steps = _run(url, ADMIN, content_dir=content_dir)
    assert [(s.kind, s.name) for s in steps if s.action != "unchanged"] == [("card", "Daily volume by venue")]
    card_id = next(i for i, c in state.objects["card"].items() if c["name"] == "Daily volume by venue")
    assert state.writes[before:] == [("PUT", f"/api/card/{card_id}")]


def test_the_double_rejects_wrong_shapes_like_metabase(metabase_double):
    url, state = metabase_double
    headers = {"x-api-key": "mb_test_key"}
    assert requests.post(f"{url}/api/card", json={"name": "x"}, headers={}).status_code == 401
    bad = requests.post(f"{url}/api/card", json={"name": "x", "display": "table", "visualization_settings": {}}, headers=headers)
    assert bad.status_code == 400 and "dataset_query" in bad.json()["errors"]
    assert requests.post(f"{url}/api/collection", json={"name": " "}, headers=headers).status_code == 400


def test_cli_errors_exit_2_with_a_message(metabase_double, tmp_path, monkeypatch):
    url, _ = metabase_double
    runner = CliRunner()
    monkeypatch.setenv("MMWATCH_METABASE_API_KEY", "wrong")
    refused = runner.invoke(app, ["metabase", "provision", "--url", url])
    assert refused.exit_code == 2 and "refused the credentials (401" in refused.output
    unreachable = runner.invoke(app, ["metabase", "provision", "--url", "http://127.0.0.1:9"])
    assert unreachable.exit_code == 2 and "cannot reach Metabase at http://127.0.0.1:9" in unreachable.output
    broken = tmp_path / "metabase"
    shutil.copytree(CONTENT_DIR, broken)
    (broken / "cards" / "trades.yaml").write_text("cards:\n  - name: x\n    collection: mmwatch\n    display: pie\n"
                                                  "    tables: {fct_trade_flow_daily: [nope]}\n    sql: select 1\n")
    invalid = runner.invoke(app, ["metabase", "provision", "--url", url, "--content", str(broken)])
    assert invalid.exit_code == 2 and "trades.yaml" in invalid.output and "'nope' is not in the manifest" in invalid.output
    (broken / "cards" / "trades.yaml").write_text("cards: [\n")
    assert "not valid YAML" in runner.invoke(app, ["metabase", "provision", "--url", url, "--content", str(broken)]).output
