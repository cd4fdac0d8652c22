"""config/automation.yaml decides what runs by default: its loader, its errors (file, field, value),
and the code location's sensors and schedules starting as the file says."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mmwatch.automation import load_automation_defaults
from mmwatch.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def test_the_repository_files_say_what_runs_by_default(monkeypatch):
    monkeypatch.delenv("MMWATCH_AUTOMATION_CONFIG", raising=False)
    local = load_automation_defaults()
    assert local.source == str(REPO / "config" / "automation.yaml")
    assert set(local.sensors.model_dump().values()) == {"running"}  # landing, run failure, heartbeat, freshness
    assert (local.automation.marts, local.automation.alerts) == ("running", "running")
    assert (local.automation.serving, local.automation.report, local.schedules.market_data) == ("auto",) * 3
    compose = load_automation_defaults(REPO / "config" / "automation.compose.yaml")  # docker-compose's
    assert compose.model_dump(exclude={"source"}) == local.model_dump(exclude={"source"})


def test_auto_runs_what_is_configured_and_nothing_else():
    """`auto`: publishing runs where the DSN is set, the report where the groups file is, the data-set
    schedules where the collection config is named; an empty value counts as unset."""
    defaults = load_automation_defaults(REPO / "config" / "automation.yaml")
    bare = defaults.resolved({})
    assert (bare.automation.serving, bare.automation.report, bare.schedules.market_data) == ("stopped",) * 3
    assert bare.automation.marts == "running" and bare.sensors.heartbeat_sensor == "running"
    deployed = defaults.resolved({"MMWATCH_ANALYTICS_DSN": "postgresql://u:p@postgres/postgres",
                                  "MMWATCH_REPORT_GROUPS": "/config/report_groups.yaml", "MMWATCH_CONFIG": ""})
    assert (deployed.automation.serving, deployed.automation.report, deployed.schedules.market_data) == (
        "running", "running", "stopped")


def test_bad_entries_name_the_file_the_field_and_the_value(tmp_path):
    bad = tmp_path / "automation.yaml"
    bad.write_text("sensors: {landing_sensor: runing}\nautomation: {martz: running}\n")
    with pytest.raises(ConfigError) as caught:
        load_automation_defaults(bad)
    lines = str(caught.value).splitlines()
    assert lines[0] == (f"automation config {bad}: sensors.landing_sensor: 'runing': "
                        "Input should be 'running', 'stopped' or 'auto'")
    assert lines[1] == f"automation config {bad}: automation.martz: 'running': Extra inputs are not permitted"
    with pytest.raises(ConfigError, match=f"automation config {tmp_path / 'none.yaml'} does not exist"):
        load_automation_defaults(tmp_path / "none.yaml")
    (tmp_path / "list.yaml").write_text("- running\n")
    with pytest.raises(ConfigError, match="expected a mapping at the top level, got list"):
        load_automation_defaults(tmp_path / "list.yaml")
    (tmp_path / "empty.yaml").write_text("# nothing\n")  # an empty file: every default
    assert load_automation_defaults(tmp_path / "empty.yaml").automation.marts == "running"


def test_the_code_location_starts_its_sensors_and_schedules_as_the_file_says(tmp_path, dbt_manifest):
    chosen = tmp_path / "automation.yaml"
    chosen.write_text("sensors: {landing_sensor: stopped}\nautomation: {serving: running, marts: stopped}\n"
                      "schedules: {market_data: running}\n")
    probe = ("import json; from pipelines.definitions import defs; "
             "print(json.dumps({**{s.name: s.default_status.value for s in defs.sensors}, "
             "**{s.name: s.default_status.value for s in defs.schedules}}))")
    env = {**os.environ, "MMWATCH_AUTOMATION_CONFIG": str(chosen), "MMWATCH_DATA_DIR": str(tmp_path / "data")}
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", probe], cwd=REPO, env=env, capture_output=True,
                         text=True, check=True).stdout
    states = json.loads(out.strip().splitlines()[-1])
    assert {name: states[name] for name in ("landing_sensor", "run_failure_sensor", "marts_automation",
                                            "alerts_automation", "serving_automation", "report_automation")} == {
        "landing_sensor": "STOPPED", "run_failure_sensor": "RUNNING", "marts_automation": "STOPPED",
        "alerts_automation": "RUNNING", "serving_automation": "RUNNING", "report_automation": "STOPPED"}
    schedules = {name: state for name, state in states.items() if name.endswith("_schedule")}
    assert len(schedules) == 7 + 2 and set(schedules.values()) == {"RUNNING"}  # the data sets', then the upkeep's
    assert {"lake_compaction_schedule", "landing_retention_schedule"} <= schedules.keys()
