"""The console's stage lines (cli/progress.py), dagster-dbt's stdout echo kept off the console
(pipelines/daily_build.py), and when the demo reads the slower data sets."""
from __future__ import annotations

from contextlib import redirect_stdout

import pytest

from cli.demo_market_data import HOUR_MS, reading_instants
from cli.progress import Stages


class Clock:
    """perf_counter stand-in: each reading is `step` seconds after the previous one."""

    def __init__(self, step: float):
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_one_line_per_stage_with_its_summary_notes_and_time(monkeypatch):
    monkeypatch.setattr("cli.progress.time.perf_counter", Clock(1.25))
    lines: list[str] = []
    stages = Stages(lines.append, total=2, live=False)
    with stages.stage("collect: 2 h") as stage:
        stage.update("360/720 cycles")  # live detail only: never printed off a terminal
        stage.done("720 cycles")
    with stages.stage("market data") as stage:
        stage.note("warning: okx: markets did not load")
    # each stage reads the clock twice: start and end, 1.25 s apart
    assert lines == ["[1/2] collect: 2 h: 720 cycles (1.2 s)",
                     "[2/2] market data (1.2 s)",
                     "      warning: okx: markets did not load"]


def test_a_failing_stage_says_so_and_the_error_goes_on(monkeypatch):
    monkeypatch.setattr("cli.progress.time.perf_counter", Clock(3.0))
    lines: list[str] = []
    with pytest.raises(ValueError, match="boom"):
        with Stages(lines.append, live=False).stage("import big.jsonl") as stage:
            stage.done("never shown")
            raise ValueError("boom")
    assert lines == ["import big.jsonl: failed (3.0 s)"]


def test_dbt_lines_echoed_to_stdout_reach_the_stage_not_the_console(capsys):
    from pipelines.daily_build import _ConsoleLines

    seen: list[str] = []
    with redirect_stdout(_ConsoleLines(seen.append)):
        print("1 of 493 START sql view model main.stg_lake__funding ... [RUN]")
        print("1 of 493 OK created sql view", end="")  # a line written in pieces
        print(" model main.stg_lake__funding [OK in 0.05s]")
        print()
    assert capsys.readouterr().out == ""
    assert seen == ["1 of 493 START sql view model main.stg_lake__funding ... [RUN]",
                    "1 of 493 OK created sql view model main.stg_lake__funding [OK in 0.05s]"]


@pytest.mark.parametrize(("collected_h", "day_h", "expected_h"), [
    (2, 24, [2, 6, 12, 18, 24]),  # the demo: after the HTTP hours, every 6 h, the day's last ms
    (6, 24, [6, 12, 18, 24]),  # an instant once only
    (0.25, 4, [0.25, 4]),  # the tests' short demo
    (8, 4, [4]),  # collecting longer than the simulated hours
])
def test_reading_instants(collected_h, day_h, expected_h):
    start = 1_763_596_800_000  # 2026-11-20 00:00 UTC
    instants = reading_instants(start, collected_h, day_h)
    # the last instant is the simulated hours' last millisecond, inside the day
    assert instants == [start + int(h * HOUR_MS) - (1 if h == day_h else 0) for h in expected_h]


@pytest.mark.parametrize(("line", "detail"), [
    ("1 of 493 START sql view model main.stg_lake__funding .................... [RUN]", "dbt 1/493 stg_lake__funding"),
    ("12 of 493 OK created sql incremental model main.fct_liquidity_minute ..... [OK in 1.20s]",
     "dbt 12/493 fct_liquidity_minute"),
    ("300 of 493 PASS not_null_fct_mm_compliance_monthly_month ....... [PASS in 0.02s]",
     "dbt 300/493 not_null_fct_mm_compliance_monthly_month"),
    ("492 of 493 START test relationships_fct_x_id__ref_dim_y_  [RUN]", "dbt 492/493 relationships_fct_x_id__ref_dim_y_"),
    ("Running with dbt=1.11.16", "Running with dbt=1.11.16"),  # not a node line: as it is
])
def test_a_dbt_node_line_becomes_a_short_live_detail(line, detail):
    from pipelines.daily_build import dbt_progress

    assert dbt_progress(line) == detail
