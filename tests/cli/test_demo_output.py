"""`mmwatch demo` for real on the first 4 hours of the demo day (the whole path: simulator, ccxt
collector, the data-set assets, capture import, Dagster raw and dbt marts, alerts, truth): its
output is a screenful naming every stage, with no dbt line in it; every mart and the alert ledger
have rows; the rows it prints are the warehouse's."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.app import app

REPO = Path(__file__).resolve().parents[2]
STAGES = ["collect", "market data", "capture", "raw", "marts", "alerts", "truth"]
MAX_LINES = 40  # 7 stage lines, a heading, 7 + 1 verdict lines, the marts (6) and 3 paths, with room

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory, dbt_manifest):
    data = tmp_path_factory.mktemp("demo") / "data"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DAGSTER_HOME", str(data / "dagster_home"))
        env.delenv("MMWATCH_OBLIGATIONS_CSV", raising=False)
        env.delenv("MMWATCH_ALERTS_CONFIG", raising=False)
        result = CliRunner().invoke(app, ["demo", "--data-dir", str(data), "--hours", "4", "--collect-hours", "0.25"])
    return result, data


def _marts() -> list[str]:
    """The dbt marts, by their files (independent of the manifest the demo reads)."""
    folder = REPO / "dbt" / "models" / "marts"
    return sorted(p.stem for p in [*folder.glob("*.sql"), *folder.glob("*.py")])


def test_the_output_is_short_and_names_every_stage_in_order(demo):
    result, _ = demo
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) <= MAX_LINES, result.output
    stage_lines = [line for line in lines if re.match(r"\[\d/7\] ", line)]
    assert [line.split("] ", 1)[1].split(":", 1)[0] for line in stage_lines] == STAGES
    assert all(line.endswith(" s)") for line in stage_lines)  # each with its time
    # dbt's per-model lines went to the run's dbt.log, not to the console
    assert not any(re.match(r"\d+ of \d+ (START|OK|PASS)", line) for line in lines)
    assert "Running with dbt" not in result.output and "Traceback" not in result.output


def test_every_mart_and_the_alert_ledger_have_rows(demo):
    _, data = demo
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        rows = {name: con.execute(f"select count(*) from main.{name}").fetchone()[0] for name in _marts()}
        ledger = con.execute("select count(*) from alerts.alert_ledger").fetchone()[0]
    assert len(rows) >= 23
    assert [name for name, count in rows.items() if count == 0] == []
    assert ledger > 0


def test_the_printed_rows_are_the_warehouses(demo):
    result, data = demo
    printed = dict(re.findall(r"\b((?:fct|dim)_\w+) (\d+)", result.output))
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        actual = {name: con.execute(f"select count(*) from main.{name}").fetchone()[0] for name in _marts()}
    assert {name: int(count) for name, count in printed.items()} == actual
    assert f"marts with rows: {len(actual)} of {len(actual)}; alert ledger: " in result.output


def test_the_verdicts_match_the_truth_of_the_same_hours(demo):
    result, _ = demo
    verdict_lines = [line for line in result.output.splitlines() if line.endswith((" yes", " NO"))]
    assert len(verdict_lines) == 7 and all(line.endswith(" yes") for line in verdict_lines), result.output
    # Borealis's one-sided ask 03:00-03:20 in 4 hours: uptime 100 * (240 - 20) / 240
    borealis = next(line for line in verdict_lines if line.startswith("borealis")).split()
    assert borealis[2] == borealis[4] == "91.67"
