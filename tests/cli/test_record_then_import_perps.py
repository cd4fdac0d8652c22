"""Record -> import of a perp day gives the marts of the live collection, row for row.

One collection of contract perps (real ccxt classes against the simulator, virtual clock) feeds
both paths at once: the live path's `LandingSink` (what `mmwatch collect` writes) and the record
path's `CaptureSink` (what `mmwatch record` writes), whose file `mmwatch import` then lands in a
second data directory. Each directory is built through Dagster and dbt; the lake tables and the
marts of the two must be the same. Feeding both from one collection means any difference comes
from the capture path alone (record, the format, import), which is what is under test.

The perps count in contracts of different sizes (scenarios/venues.yaml): linear okx BTC 0.01, gate
BTC 0.0001, kucoinfutures BTC 0.001, inverse Binance COIN-M BTC/USD:BTC (100 USD a contract);
binanceusdm (1, base units) is the control.
"""
from __future__ import annotations

import asyncio
import math
from pathlib import Path

import duckdb
import pytest
import yaml

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "venues.yaml"
PERPS = (("okx", "BTC/USDT:USDT", 0.01), ("gate", "BTC/USDT:USDT", 0.0001),
         ("kucoinfutures", "BTC/USDT:USDT", 0.001), ("binancecoinm", "BTC/USD:BTC", 100.0),
         ("binanceusdm", "BTC/USDT:USDT", 1.0))
CADENCE_MS = 10_000
MINUTES = 20  # 00:00-00:20 of the scenario day (no venue is down then)
# mart -> its key columns (rows are compared in this order)
MARTS = {
    "fct_orderbook_snapshot_metrics": "exchange, symbol, ts, snapshot_id",
    "fct_mm_compliance_daily": "obligation_id, day",
    "fct_mm_breach_episodes": "obligation_id, start_ts",
    "fct_liquidity_minute": "exchange, symbol, minute",
    "fct_trades_minute": "exchange, symbol, minute",
    "fct_trade_flow_daily": "exchange, symbol, day",
    "fct_candles_1m": "exchange, symbol, candle_start",
}


def _perp_scenario(folder: Path):
    """venues.yaml with one obligation per collected perp (for fct_mm_compliance_daily rows)."""
    from simulator.scenario import parse_scenario

    data = yaml.safe_load(SCENARIO.read_text())
    data["obligations"] = [
        {"obligation_id": f"{venue}-btc-perp", "mm_name": "Perp Maker", "exchange": venue, "market_type": "swap",
         "symbol": symbol, "valid_from": "2026-11-01", "max_spread_bps": 20, "depth_band_bps": 100,
         "min_depth_usd": 500_000, "min_uptime_pct": 90}
        for venue, symbol, _ in PERPS]
    path = folder / "venues-perps.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path, parse_scenario(data, path.name)


def _collect(scenario_path: Path, scenario, live, capture: Path) -> None:
    from mmwatch.collector.collector import Collector
    from mmwatch.collector.sinks import CaptureSink, LandingSink, TeeSink
    from mmwatch.collector.simulated_day import day_start_ms
    from mmwatch.config import CollectionConfig, ExchangeConfig
    from simulator.process import SimulatorProcess

    start = day_start_ms(scenario.date)
    config = CollectionConfig(exchanges={venue: ExchangeConfig(markets=[symbol], orderbook_every_s=CADENCE_MS / 1000,
                                                               trades_every_s=60) for venue, symbol, _ in PERPS})
    sink = TeeSink(LandingSink(live, background=False), CaptureSink(capture))
    with SimulatorProcess(scenario_path, clock="virtual") as simulator:
        collector = Collector(config, sink, clock=lambda: start, simulator_url=simulator.url, virtual_time=True,
                              trades_since_ms=start)

        async def run() -> None:
            await collector.start()
            try:
                for t_ms in range(start, start + MINUTES * 60_000 + 1, CADENCE_MS):  # the last poll: 00:19's trades
                    simulator.set_clock(t_ms)
                    await collector.run_cycle(t_ms)
            finally:
                await collector.close()
                sink.close()

        asyncio.run(run())


def _build(layout, day: str, obligations: Path) -> None:
    from pipelines.daily_build import run_daily_build

    with pytest.MonkeyPatch.context() as env:  # run_daily_build points the definitions at its data dir
        env.setenv("MMWATCH_DATA_DIR", str(layout.root))
        env.setenv("DAGSTER_HOME", str(layout.dagster_home))
        run_daily_build(day, layout.root, obligations)


def _rows(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _marts(layout, table: str, keys: str) -> list[dict]:
    with duckdb.connect(str(layout.warehouse), read_only=True) as con:
        return _rows(con, f"select * from {table} order by {keys}")


def _lake(layout, table: str, keys: str) -> list[dict]:
    with duckdb.connect() as con:
        return _rows(con, f"select * exclude (source) from read_parquet('{layout.lake / table}/*/*/*.parquet', "
                          f"hive_partitioning = true) order by {keys}")


def _same(a, b) -> bool:
    """Equal; doubles to 1e-12 relative (a sum may add in another order from one build to the next,
    a lost contract size is off by a factor of 100 or more)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def _assert_same_rows(table: str, live: list[dict], imported: list[dict]) -> None:
    assert len(live) == len(imported), (table, len(live), len(imported))
    for index, (want, got) in enumerate(zip(live, imported)):
        assert _same(want, got), (table, index, {k: (want[k], got.get(k)) for k in want if not _same(want[k], got.get(k))})


@pytest.fixture(scope="module")
def perp_day(tmp_path_factory, dbt_manifest):
    """The perp day collected once into the live data dir and a capture, the capture imported into a
    second data dir, both built: (live layout, imported layout, day, import result)."""
    from mmwatch.capture.importer import import_capture
    from mmwatch.settings import DataDir

    folder = tmp_path_factory.mktemp("perp-day")
    scenario_path, scenario = _perp_scenario(folder)
    obligations = scenario.write_obligations_csv(folder / "obligations.csv")
    live, imported = DataDir(folder / "live").ensure(), DataDir(folder / "imported").ensure()
    capture = folder / "perps.jsonl.gz"
    _collect(scenario_path, scenario, live, capture)
    result = import_capture(imported, capture)
    day = scenario.date.isoformat()
    _build(live, day, obligations)
    _build(imported, day, obligations)
    return live, imported, day, result


@pytest.mark.e2e
def test_the_recorded_perp_day_lands_the_live_lake_rows(perp_day):
    live, imported, _, result = perp_day
    assert not result.counts.issues
    books = _lake(live, "raw_orderbooks", "snapshot_id")
    assert len(books) == len(PERPS) * (MINUTES * 6 + 1)  # every cycle fetched every book
    assert {(b["exchange"], b["contract_size"]) for b in books} == {(venue, size) for venue, _, size in PERPS}
    _assert_same_rows("raw_orderbooks", books, _lake(imported, "raw_orderbooks", "snapshot_id"))
    trades = _lake(live, "raw_trades", "exchange, trade_key")
    assert {(t["exchange"], t["contract_size"]) for t in trades} == {(venue, size) for venue, _, size in PERPS}
    _assert_same_rows("raw_trades", trades, _lake(imported, "raw_trades", "exchange, trade_key"))


@pytest.mark.e2e
@pytest.mark.parametrize("table", list(MARTS))
def test_the_recorded_perp_day_gives_the_live_marts_row_for_row(perp_day, table):
    live, imported, day, _ = perp_day
    rows = _marts(live, table, MARTS[table])
    if table != "fct_mm_breach_episodes":  # a day without breaches has no episodes
        assert rows, f"{table} is empty: nothing was compared"
    _assert_same_rows(table, rows, _marts(imported, table, MARTS[table]))
    if table == "fct_mm_compliance_daily":
        assert {row["obligation_id"]: row["usable_snapshots"] for row in rows} == {
            f"{venue}-btc-perp": MINUTES * 6 + 1 for venue, _, _ in PERPS}
