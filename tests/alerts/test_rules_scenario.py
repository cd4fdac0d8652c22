"""Each spec §6 rule fires and closes at the minute the scenario's script implies, and normal noise
fires nothing. The marts come from the project's own path (simulator capture -> import -> raw ->
dbt); the expected minutes are derived here from the scenario's behaviour windows and the rule
definitions, never from the evaluator."""
from __future__ import annotations

import math
from datetime import datetime, timedelta

import duckdb
import pytest

from scenario_marts import RULES_HOURS, RULES_SCENARIO

pytestmark = pytest.mark.e2e
CADENCE_S = 10  # capture_day samples every 10 s
DEFAULTS = {"minutes": 5, "max_spread_bps": 100, "z": 3, "window": 300, "dur": 3, "val": 2, "volume_window": 5,
            "volume_factor": 3, "move_pct": 5, "lookback": 60, "imbalance": 0.7}


def _at(day_start: datetime, hhmm: str, plus_minutes: float = 0) -> str:
    hours, minutes = map(int, hhmm.split(":"))
    return (day_start + timedelta(hours=hours, minutes=minutes + plus_minutes)).strftime("%H:%M")


def expected_episodes(scenario) -> set[tuple]:
    """(rule, symbol, obligation_id, opened, critical, closed) as HH:MM, from the scenario's script."""
    d = DEFAULTS
    start = datetime.combine(scenario.date, datetime.min.time())
    at = lambda hhmm, plus=0: _at(start, hhmm, plus)  # noqa: E731
    out = set()
    obligations = {o.symbol: o for o in scenario.obligations}
    for mm in scenario.market_makers:
        ob = obligations.get(mm.symbol)
        for w in mm.schedule:
            minutes = (w.end_ms - w.start_ms) // 60_000
            run_critical = at(w.start, d["minutes"] * d["dur"] - 1) if minutes >= d["minutes"] * d["dur"] else None
            if w.behaviour == "wide_spread" and w.spread_bps > d["max_spread_bps"]:
                out.add(("wide_spread", mm.symbol, None, at(w.start, d["minutes"] - 1), run_critical, at(w.end)))
                # z of the wide value against a window holding j of them: sqrt((W - j) / j) (two-point
                # distribution); it stays above k while j < W / (1 + k^2) snapshots
                fires_for = math.ceil(d["window"] / (1 + d["z"] ** 2)) * CADENCE_S / 60
                out.add(("dual_spread", mm.symbol, None, at(w.start), None, at(w.start, math.ceil(fires_for))))
            if w.behaviour == "thin_book" and ob and w.depth_fraction * mm.quoting.depth_usd < ob.min_depth_usd:
                severe = w.depth_fraction * mm.quoting.depth_usd <= ob.min_depth_usd / d["val"]
                out.add(("thin_book", mm.symbol, ob.obligation_id, at(w.start, d["minutes"] - 1),
                         at(w.start, d["minutes"] - 1) if severe else run_critical, at(w.end)))
            if w.behaviour == "skewed" and (1 - w.depth_fraction) / (1 + w.depth_fraction) > d["imbalance"]:
                out.add(("imbalance", mm.symbol, None, at(w.start, d["minutes"] - 1), run_critical, at(w.end)))
            if w.behaviour == "outage":
                out.add(("no_data", mm.symbol, None, at(w.start, d["minutes"] - 1), run_critical, at(w.end)))
            if ob and w.behaviour in ("wide_spread", "thin_book", "skewed") and minutes * 60 > ob.alert_after_s:
                critical = at(w.start, ob.alert_after_s * d["dur"] / 60) if minutes * 60 > ob.alert_after_s * d["dur"] else None
                out.add(("obligation_breach", mm.symbol, ob.obligation_id, at(w.start, ob.alert_after_s / 60), critical,
                         at(w.end)))
    for venue in scenario.venues.values():
        for market in venue.markets:
            for event in market.events:
                if event.kind == "volume_burst":
                    window = d["volume_window"]
                    ratio = (window - 1 + event.factor) / window  # trailing mean ~ 1 normal minute
                    critical = at(event.start) if ratio > d["volume_factor"] * d["val"] else None
                    out.add(("volume_spike", market.symbol, None, at(event.start), critical, at(event.end, window - 1)))
                if event.kind == "price_jump":
                    up, back = event.move_pct, abs(1 / (1 + event.move_pct / 100) - 1) * 100
                    for begin, move in ((event.start, up), (event.end, back)):
                        if move > d["move_pct"]:
                            critical = at(begin) if move >= d["move_pct"] * d["val"] else None
                            out.add(("price_move", market.symbol, None, at(begin), critical, at(begin, d["lookback"])))
    return out


def _found(warehouse, day, config=None) -> set[tuple]:
    from mmwatch.alerts.config import AlertsConfig
    from mmwatch.alerts.evaluate import evaluate_day

    with duckdb.connect(str(warehouse), read_only=True) as con:
        evaluation = evaluate_day(con, day, config or AlertsConfig())
    assert not evaluation.skipped_rules
    hhmm = lambda t: t.strftime("%H:%M") if t else None  # noqa: E731
    return {(e.rule, e.symbol, e.obligation_id, hhmm(e.opened_at), hhmm(e.critical_at), hhmm(e.closed_at))
            for e in evaluation.episodes}


def test_every_rule_fires_and_closes_at_the_scripted_minute(scenario_marts):
    from simulator.scenario import load_scenario

    scenario = load_scenario(RULES_SCENARIO)
    expected = expected_episodes(scenario)
    assert {row[0] for row in expected} == {"wide_spread", "dual_spread", "thin_book", "imbalance", "volume_spike",
                                           "price_move", "no_data", "obligation_breach"}
    assert all(row[5] is None or row[5] < f"{int(RULES_HOURS):02d}:30" for row in expected)
    warehouse, days = scenario_marts
    assert _found(warehouse, days["rules"]) == expected


def test_normal_noise_fires_nothing(scenario_marts):
    warehouse, days = scenario_marts
    assert _found(warehouse, days["quiet"]) == set()


def test_per_market_threshold_override(scenario_marts):
    from mmwatch.alerts.config import parse_alerts_config

    warehouse, days = scenario_marts
    config = parse_alerts_config({"markets": [{"exchange": "binance", "symbol": "BTC/USDT",
                                               "rules": {"wide_spread": {"max_spread_bps": 200},
                                                         "no_data": {"enabled": False}}}]})
    found = _found(warehouse, days["rules"], config)
    assert not [row for row in found if row[0] in ("wide_spread", "no_data")]
    assert [row for row in found if row[0] == "dual_spread"]  # other rules keep the defaults
