"""Capture import end to end: a simulator day recorded as a capture, imported twice, gives the
same marts as once (nothing double counted), equal to the ground truth; a malformed line is
reported with file and line and the rest loads."""
from __future__ import annotations

import pytest

from marts import SMOKE, assert_marts_equal_truth, query


def _marts_state(warehouse, day: str) -> dict:
    return {
        "daily": query(warehouse, f"select * exclude (built_at) from fct_mm_compliance_daily "
                                  f"where day = '{day}' order by obligation_id")
        if _has_column(warehouse, "fct_mm_compliance_daily", "built_at")
        else query(warehouse, f"select * from fct_mm_compliance_daily where day = '{day}' order by obligation_id"),
        "snapshots": query(warehouse, f"select count(*) as n, count(distinct snapshot_id) as ids, round(sum(spread_bps), 6) as spread, "
                                      f"round(sum(depth_bid_usd_200), 3) as bid200, round(sum(depth_ask_usd_200), 3) as ask200 "
                                      f"from fct_orderbook_snapshot_metrics where day = '{day}'"),
    }


def _has_column(warehouse, table: str, column: str) -> bool:
    return bool(query(warehouse, f"select 1 from information_schema.columns "
                                 f"where table_name = '{table}' and column_name = '{column}'"))


def _with_bad_lines(capture, out):
    """The capture with a broken line after line 2 and a line missing `symbol` after line 5."""
    lines = capture.read_text().splitlines(keepends=True)
    lines.insert(2, '{"type":"orderbook","exchange":"binance",\n')
    lines.insert(5, '{"type":"trade","exchange":"binance","market_type":"spot","timestamp":1,"received_at":2,'
                    '"id":"x","price":1.0,"amount":1.0,"side":"buy"}\n')
    out.write_text("".join(lines))
    return out


@pytest.mark.e2e
def test_importing_the_same_capture_twice_gives_the_same_marts(e2e_env, tmp_path):
    from mmwatch.capture.importer import import_capture
    from pipelines.daily_build import run_daily_build
    from simulator.capture_day import capture_day
    from simulator.scenario import load_scenario

    scenario = load_scenario(SMOKE)
    day = scenario.date.isoformat()
    obligations = tmp_path / "obligations.csv"
    scenario.write_obligations_csv(obligations)
    captured = capture_day(scenario, tmp_path / "clean.jsonl", every_ms=30_000)
    capture = _with_bad_lines(captured.path, tmp_path / "smoke-day.jsonl")

    first = import_capture(e2e_env, capture)
    assert sum(first.counts.rejected.values()) == 2
    assert [str(issue).split(":")[:2] for issue in first.counts.issues] == [
        [capture.name, "3"], [capture.name, "6"]]
    assert first.counts.loaded["orderbook"] == captured.orderbooks
    assert first.counts.loaded["trade"] == captured.trades
    run_daily_build(day, e2e_env.root, obligations)
    once = _marts_state(e2e_env.warehouse, day)
    assert_marts_equal_truth(e2e_env.warehouse, captured.truth.report(), day)

    import_capture(e2e_env, capture)
    run_daily_build(day, e2e_env.root, obligations)
    assert _marts_state(e2e_env.warehouse, day) == once
    assert once["snapshots"][0]["n"] == captured.truth.report()["snapshots"] - captured.truth.report()["invalid_snapshots"]
