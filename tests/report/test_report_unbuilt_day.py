"""`mmwatch report --date D` for a day never built (issue 15): exit 2 naming the command that
builds it, no report written (before: exit 0, an empty report and a misleading warning)."""
from __future__ import annotations

import shutil
from datetime import date, timedelta

import duckdb
from typer.testing import CliRunner

from cli.app import app
from mmwatch.report.compliance import day_built


def _tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_a_day_never_built_is_an_error_naming_the_build(built_day, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(built_day.warehouse, data / "warehouse.duckdb")
    other = (date.fromisoformat(built_day.day) + timedelta(days=1)).isoformat()
    before = _tree(data)
    result = CliRunner().invoke(app, ["report", "--date", other, "--data-dir", str(data)],
                                env={"MMWATCH_REPORT_GROUPS": ""})
    assert result.exit_code == 2, result.output
    assert f"{other} has never been built into {data / 'warehouse.duckdb'}" in result.output
    assert f"`mmwatch build --date {other} --data-dir {data}`" in result.output
    assert "Traceback" not in result.output and "warning" not in result.output
    assert _tree(data) == before + ["warehouse.lock"]  # no reports folder, no page


def test_the_refresh_log_says_which_days_are_built(built_day, tmp_path):
    with duckdb.connect(str(built_day.warehouse), read_only=True) as con:
        assert day_built(con, built_day.day) is True
        assert day_built(con, "2026-01-01") is False
    bare = tmp_path / "old.duckdb"
    with duckdb.connect(str(bare)) as con:  # a warehouse older than the refresh log: nothing claimed
        assert day_built(con, built_day.day) is None
