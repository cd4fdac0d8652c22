"""Whatever passes the door, no mart is `inf` or `NaN`: a day of books and trades at the door's bounds
(prices, amounts and contract sizes of 1e15 and 1e-18, mids jumping between them, an inverse perpetual,
a quote priced in a 1e15 BTC) is imported, built through Dagster (raw, every dbt model and test, the
report), and every floating column of every table in the warehouse is scanned.

Before the door, a single level of amount 1e308 made depth `inf` and imbalance `NaN` and failed the
day's dbt range tests (issue 15); the door refuses it (tests/capture/test_capture_door.py).
"""
from __future__ import annotations

import duckdb
import pytest

from mmwatch.capture.importer import import_capture
from mmwatch.capture.writer import CaptureWriter, orderbook_record, trade_record
from mmwatch.door.limits import MAX_MAGNITUDE as HIGH, MIN_MAGNITUDE as LOW

DAY = "2026-11-20"
DAY_START_MS = 1_795_132_800_000
MINUTES = 30
OBLIGATIONS = """obligation_id,mm_name,exchange,market_type,symbol,valid_from,valid_to,max_spread_bps,depth_band_bps,min_depth_usd,min_uptime_pct,min_coverage_pct,min_days_pct,alert_after_s
ob-huge,Huge,binance,spot,BTC/USDT,2026-11-01,,20,50,1e30,70,90,75,300
ob-tiny,Tiny,okx,spot,SOL/USDT,2026-11-01,,20,50,0.000001,70,90,75,300
ob-jumpy,Jumpy,gate,spot,ETH/USDT,2026-11-01,,20,200,25000,70,90,75,300
"""


def _side(mid: float, amount: float, sign: int, levels: int = 3) -> list[list[float]]:
    return [[mid * (1 + sign * 1e-4 * (k + 1)), amount] for k in range(levels)]


def _books(minute: int) -> list[dict]:
    ts = DAY_START_MS + minute * 60_000
    jumpy_mid = HIGH / 2 if minute % 2 else LOW * 2  # ln(mid / previous mid) of about +-76 every minute
    markets = [
        ("binance", "spot", "BTC/USDT", HIGH / 2, HIGH, None),            # notional 1e30 a level
        ("binance", "spot", "ETH/BTC", HIGH / 2, HIGH, None),             # quote priced by a 1e15 BTC
        ("okx", "spot", "SOL/USDT", LOW * 2, LOW, None),                  # notional 1e-36 a level
        ("gate", "spot", "ETH/USDT", jumpy_mid, 1.0, None),
        ("binancecoinm", "swap", "BTC/USD:BTC", LOW * 2, HIGH, HIGH),     # inverse: amount x size / price = 1e48
        ("okx", "swap", "BTC/USDT:USDT", HIGH / 2, LOW, LOW),             # linear: amount x size = 1e-36
    ]
    return [orderbook_record(exchange, market_type, symbol, ts, ts + 20, _side(mid, amount, -1), _side(mid, amount, +1),
                             minute, size)
            for exchange, market_type, symbol, mid, amount, size in markets]


def _trades(minute: int) -> list[dict]:
    ts = DAY_START_MS + minute * 60_000 + 5_000
    cases = [("binance", "spot", "BTC/USDT", HIGH, HIGH, None), ("okx", "spot", "SOL/USDT", LOW, LOW, None),
             ("gate", "spot", "ETH/USDT", HIGH if minute % 2 else LOW, 1.0, None),
             ("binancecoinm", "swap", "BTC/USD:BTC", LOW, HIGH, HIGH), ("okx", "swap", "BTC/USDT:USDT", HIGH, LOW, LOW)]
    return [trade_record(exchange, market_type, symbol, ts + k, ts + k + 10, f"{minute}-{k}", price, amount,
                         "buy" if (minute + k) % 2 else "sell", size)
            for exchange, market_type, symbol, price, amount, size in cases for k in range(2)]


@pytest.fixture(scope="module")
def built_day(tmp_path_factory, dbt_manifest):
    root = tmp_path_factory.mktemp("extreme")
    data_dir_path = root / "data"
    capture = root / "extreme.jsonl"
    with CaptureWriter(capture) as writer:
        for minute in range(MINUTES):
            writer.write_many(_books(minute) + _trades(minute))
    csv = root / "obligations.csv"
    csv.write_text(OBLIGATIONS)
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(data_dir_path))
    monkeypatch.setenv("DAGSTER_HOME", str(data_dir_path / "dagster_home"))
    monkeypatch.delenv("MMWATCH_OBLIGATIONS_CSV", raising=False)
    from mmwatch.settings import DataDir
    from pipelines.daily_build import run_daily_build

    data_dir = DataDir.from_env(data_dir_path).ensure()
    imported = import_capture(data_dir, capture)
    try:
        build = run_daily_build(DAY, data_dir.root, csv)  # raises when a dbt model or test fails
    finally:
        monkeypatch.undo()
    return data_dir, imported, build


@pytest.mark.e2e
def test_every_value_at_the_bounds_passes_the_door(built_day):
    _, imported, _ = built_day
    assert not imported.counts.issues
    assert imported.counts.loaded["orderbook"] == 6 * MINUTES and imported.counts.loaded["trade"] == 10 * MINUTES


@pytest.mark.e2e
def test_no_mart_holds_inf_or_nan(built_day):
    data_dir, _, build = built_day
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type in ('DOUBLE', 'FLOAT', 'REAL') and table_schema not like '%seed%'").fetchall()
        assert len(columns) > 100  # the scan reaches the marts, not an empty warehouse
        poisoned = []
        for schema, table, column in columns:
            bad = con.execute(f'select count(*) from "{schema}"."{table}" where isnan("{column}") or isinf("{column}")'
                              ).fetchone()[0]
            if bad:
                poisoned.append(f"{schema}.{table}.{column}: {bad}")
        rows, deepest, shallowest = con.execute(
            "select count(*), max(depth_bid_usd_200), min(depth_bid_quote_200) filter (where depth_bid_quote_200 > 0) "
            "from fct_orderbook_snapshot_metrics where day = ?", [DAY]).fetchone()
    assert poisoned == []
    assert rows == 6 * MINUTES  # every extreme snapshot reached the metrics (none invalid, none dropped)
    # the extremes are there: ETH/BTC's depth in USD (1e30 quote x a 1e15 BTC mid), SOL's 1e-36 levels
    assert deepest > 1e44 and shallowest < 1e-33
    assert {row.obligation_id for row in build.rows} == {"ob-huge", "ob-tiny", "ob-jumpy"}
