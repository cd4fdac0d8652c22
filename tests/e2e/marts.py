"""Read the marts back and put them next to the simulator's ground truth."""
from __future__ import annotations

from pathlib import Path

import duckdb

SMOKE = Path(__file__).resolve().parents[2] / "scenarios" / "smoke.yaml"

DAILY_FIELDS = ("uptime_pct", "bid_uptime_pct", "ask_uptime_pct", "coverage_pct", "verdict", "breach_episodes",
                "longest_breach_s", "breach_minutes", "usable_snapshots", "compliant_snapshots",
                "invalid_snapshots", "covered_minutes")


def query(warehouse, sql: str) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def daily_rows(warehouse, day: str) -> dict[str, dict]:
    rows = query(warehouse, f"select * from fct_mm_compliance_daily where day = '{day}'")
    return {row["obligation_id"]: row for row in rows}


def episodes(warehouse, day: str) -> dict[str, list[tuple]]:
    rows = query(warehouse, f"select obligation_id, start_ts, end_ts, duration_s, ended_by "
                            f"from fct_mm_breach_episodes where day = '{day}' order by obligation_id, start_ts")
    found: dict[str, list[tuple]] = {}
    for row in rows:
        found.setdefault(row["obligation_id"], []).append(
            (row["start_ts"], row["end_ts"], float(row["duration_s"]), row["ended_by"]))
    return found


def truth_days(truth: dict, day: str) -> dict[str, dict]:
    return {ob["obligation_id"]: d for ob in truth["obligations"] for d in ob["days"] if d["day"] == day}


def truth_episodes(truth: dict, day: str) -> dict[str, list[tuple]]:
    return {oid: [(e["start_ts"], e["end_ts"], float(e["duration_s"]), e["ended_by"]) for e in d["episodes"]]
            for oid, d in truth_days(truth, day).items() if d["episodes"]}


def assert_marts_equal_truth(warehouse, truth: dict, day: str) -> None:
    """Every spec §3 field of fct_mm_compliance_daily and every breach episode equal the ground truth."""
    marts, expected = daily_rows(warehouse, day), truth_days(truth, day)
    assert set(marts) == set(expected)
    for obligation_id, want in expected.items():
        got = marts[obligation_id]
        for field in DAILY_FIELDS:
            if isinstance(want[field], float):
                assert got[field] is not None and abs(float(got[field]) - want[field]) < 1e-9, (obligation_id, field, got[field], want[field])
            else:
                assert got[field] == want[field], (obligation_id, field, got[field], want[field])
    assert episodes(warehouse, day) == truth_episodes(truth, day)
