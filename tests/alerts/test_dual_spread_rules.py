"""The dual-condition spread rule on hand-made snapshot marts (a real DuckDB file with the mart's
columns): z-score only after 30 prior usable snapshots, reset after a gap > 120 s, and both
conditions needed. Expectations follow from how each series is built."""
from __future__ import annotations

from datetime import datetime, timezone

import duckdb
import pytest

from mmwatch.alerts.config import AlertsConfig
from mmwatch.alerts.evaluate import evaluate_day

DAY = "2026-01-05"
START_MS = int(datetime(2026, 1, 5, 1, 0, tzinfo=timezone.utc).timestamp() * 1000)


def _warehouse(path, spreads_with_gaps: list[tuple[float, float]]) -> str:
    """One market; each item is (seconds after the previous snapshot, spread_bps)."""
    rows, ts = [], START_MS
    for index, (gap_s, spread) in enumerate(spreads_with_gaps):
        ts += int(gap_s * 1000) if index else 0
        rows.append(("binance", "spot", "BTC/USDT", DAY, ts, spread))
    with duckdb.connect(str(path)) as con:
        con.execute("create table raw (exchange varchar, market_type varchar, symbol varchar, day date, ts bigint, spread_bps double)")
        con.executemany("insert into raw values (?, ?, ?, ?, ?, ?)", rows)
        con.execute("""create table fct_orderbook_snapshot_metrics as
            select *, time_bucket(interval 1 minute, epoch_ms(ts)) as minute, true as is_two_sided,
                0.0 as imbalance_10, 0.0 as imbalance_50, 0.0 as imbalance_100, 0.0 as imbalance_200 from raw""")
    return str(path)


def _baseline(count: int, gap_s: float = 10) -> list[tuple[float, float]]:
    return [(gap_s, 10.0 + (1 if i % 2 else -1)) for i in range(count)]  # 9, 11, 9, ... bps


def _dual(path) -> list:
    with duckdb.connect(path, read_only=True) as con:
        evaluation = evaluate_day(con, DAY, AlertsConfig())
    return [e for e in evaluation.episodes if e.rule == "dual_spread"]


@pytest.mark.parametrize("prior, fires", [(29, False), (30, True)])
def test_no_z_score_before_30_usable_snapshots(tmp_path, prior, fires):
    path = _warehouse(tmp_path / "w.duckdb", _baseline(prior) + [(10, 150.0)] + _baseline(10))
    found = _dual(path)
    assert bool(found) is fires
    if fires:
        spike_minute = datetime.fromtimestamp((START_MS + prior * 10_000) / 1000, timezone.utc).replace(second=0)
        assert found[0].opened_at == spike_minute and found[0].values["spread_bps"] == 150.0


@pytest.mark.parametrize("gap_s, fires", [(130, False), (110, True)])
def test_gap_over_120_s_resets_the_window(tmp_path, gap_s, fires):
    series = _baseline(100) + [(gap_s, 10.0)] + _baseline(28) + [(10, 150.0)]  # 29 usable after the gap
    assert bool(_dual(_warehouse(tmp_path / "w.duckdb", series))) is fires


def test_both_conditions_are_needed(tmp_path):
    # a z-score far above 3 but a spread under the 100 bps threshold: silent
    assert _dual(_warehouse(tmp_path / "a.duckdb", _baseline(60) + [(10, 90.0)])) == []
    # over the threshold but ordinary for this market (z small): silent
    wide_market = [(10, 150.0 + (20 if i % 2 else -20)) for i in range(60)] + [(10, 160.0)]
    assert _dual(_warehouse(tmp_path / "b.duckdb", wide_market)) == []
