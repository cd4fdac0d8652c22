"""Commands that read (report, status, alerts list/replay/evaluate, obligations check) and a build
with nothing to build, on an empty data directory (issue 15): each says what is missing and
creates nothing: the tree is the same before and after (before, `report` made dagster_home,
lake, landing and reports)."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.app import app

DAY = "2026-11-20"
COMMANDS = {
    "report": (["report", "--date", DAY], "mmwatch build --date 2026-11-20"),
    "status": (["status", "--day", DAY, "--metrics-url", "http://127.0.0.1:9"], ""),
    "alerts list": (["alerts", "list"], "does not exist"),
    "alerts replay": (["alerts", "replay", "--date", DAY], "mmwatch build --date"),
    "alerts evaluate": (["alerts", "evaluate", "--date", DAY, "--no-send"], "mmwatch build --date"),
    "build": (["build", "--date", DAY], "no landing data for 2026-11-20"),
}


def _tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_command_on_an_empty_data_dir_creates_nothing(tmp_path, name):
    data = tmp_path / "data"
    data.mkdir()
    args, says = COMMANDS[name]
    env = {"DAGSTER_HOME": str(data / "dagster_home"), "MMWATCH_ALERTS_CONFIG": "", "MMWATCH_CONFIG": "",
           "MMWATCH_REPORT_GROUPS": "", "MMWATCH_OBLIGATIONS_CSV": ""}
    result = CliRunner().invoke(app, [*args, "--data-dir", str(data)], env=env)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert says in result.output, result.output
    assert _tree(tmp_path) == ["data"]
