"""Record → import of a streamed window gives the same marts (issue 17): `mmwatch record --land` streams
binance spot, okx spot and okx's contract perp (real ccxt.pro classes, simulator, wall clock) into a
capture file while the landing zone gets the same rows, okx's perp losing an update on the way; the
capture is imported into a fresh data dir with `mmwatch import`; both are built through Dagster with the
same obligations. The lake's books and trades are the same rows (but their `source`), and every table
equals its twin row for row (but `source`, where a table keeps it), except for failed fetches: the capture format has no record for them, so the import has no
StreamOutOfSync interval (the coverage tables are compared on their books and trades, dim_markets' data
sets list fetch_errors on one side only).

Why SECONDS of wall time stand for the hour: `record` writes one capture record per landed book and
trade and the import turns each record back into one landing row, so the lake is equal row by row
whatever the window holds; the marts are then functions of equal lake rows and the same obligations.
What an hour adds is more of the same rows (each kind is in the window: spot books, contract books in
contracts with their contract size, trades of both, the books around a resync, breach episodes of
obligations met about half the time) and more minute and hour buckets, computed from the equal
rows alike; the window needs no minute boundary for that. Longer would only cost wall time: the hour
itself is run as a benchmark, `MMWATCH_STREAM_WINDOW_S=3600` (docs/benchmarks.md, issue 17).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from collect_harness import landed
from streamed_marts import VENUES, build_days, event_ts, split_obligations, write_obligations

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))
try:
    from warehouse_rows import same_rows, table_rows
finally:
    sys.path.pop(0)

MMWATCH = str(Path(sys.executable).parent / "mmwatch")
SECONDS = int(os.environ.get("MMWATCH_STREAM_WINDOW_S", "30"))  # wall seconds recorded
LEVELS = 20
MARKETS = {"binance": ["BTC/USDT"], "okx": ["BTC/USDT", "BTC/USDT:USDT"]}
FAULT = ("okx", "drop_update", "BTC/USDT:USDT")
# the tables built from failed fetches too (the capture has none): compared on their books and trades
# (rows of those data sets, without the stream columns), dim_markets (its data sets list them) not at all
PER_DATA_SET = ("fct_data_coverage_daily", "int_lake_rows_counted")
BOOKKEEPING = ("_lake_files", "_mart_refreshes", "dim_markets")


def _books_and_trades(rows: list[dict]) -> list[dict]:
    return [{name: value for name, value in row.items() if not name.startswith("stream_")}
            for row in rows if row["dataset"] != "fetch_errors"]


def _config(path: Path) -> Path:
    venues = "".join(f"  {venue}:\n    markets: [{', '.join(markets)}]\n    mode: stream\n    orderbook_levels: {LEVELS}\n"
                     for venue, markets in MARKETS.items())
    path.write_text(f"landing_flush_s: 5\nexchanges:\n{venues}")
    return path


def _record(sim, root: Path, landing) -> tuple[Path, subprocess.CompletedProcess]:
    """`mmwatch record --land` for SECONDS; the fault armed once okx's books have landed (a subscription
    made after arming would not be hit)."""
    capture = root / "window.jsonl"
    process = subprocess.Popen(
        [MMWATCH, "record", "--config", str(_config(root / "record.yaml")), "--out", str(capture), "--simulator",
         sim.url, "--simulator-ws", sim.ws_url(), "--duration", str(SECONDS), "--land", "--data-dir", str(landing.root)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list((landing.landing / "orderbooks").glob("day=*/exchange=okx/*.parquet")):
        assert process.poll() is None and time.monotonic() < deadline, "no okx book landed"
        time.sleep(0.2)
    sim.set_stream_fault(*FAULT)
    stdout, stderr = process.communicate(timeout=SECONDS + 120)
    return capture, subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _lake(layout, table: str, key: list[str]) -> pl.DataFrame:
    return pl.read_parquet(layout.root / "lake" / table / "*" / "*" / "*.parquet", hive_partitioning=True) \
        .drop("source").sort(key)


@pytest.fixture(scope="module")
def twins(tmp_path_factory, dbt_manifest):
    """(landed data dir, imported data dir, record's output, fault log), both built."""
    from mmwatch.days import utc_day_of_ms
    from mmwatch.settings import DataDir
    from simulator.market import World
    from simulator.process import SimulatorProcess
    from simulator.scenario import load_scenario

    root = tmp_path_factory.mktemp("stream_record_import")
    collected, imported = (DataDir.from_env(root / name).ensure() for name in ("collected", "imported"))
    with SimulatorProcess(VENUES, clock="wall", rate_limits="off") as sim:
        capture, recorded = _record(sim, root, collected)
        log = sim.stream_fault_log()
    assert recorded.returncode == 0, recorded.stderr
    loaded = subprocess.run([MMWATCH, "import", str(capture), "--data-dir", str(imported.root)],
                            capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr
    books = landed(collected, "orderbooks")
    first_day = date.fromisoformat(min(utc_day_of_ms(ts) for ts in event_ts(books)))
    csv = write_obligations(split_obligations(World(load_scenario(VENUES)), books, first_day, LEVELS),
                            root / "obligations.csv")
    assert build_days(collected, csv) == build_days(imported, csv)
    return collected, imported, recorded.stdout, log


@pytest.mark.e2e
def test_the_capture_holds_every_landed_book_and_trade_and_the_fault_hit(twins):
    collected, _, stdout, log = twins
    books, trades, errors = (landed(collected, dataset) for dataset in ("orderbooks", "trades", "fetch_errors"))
    assert f"recorded {books.height + trades.height} records" in stdout
    assert {(e["venue"], e["symbol"], e["fault"]) for e in log} == {(FAULT[0], FAULT[2], FAULT[1])}
    stream_errors = errors.filter(pl.col("error_class") == "StreamOutOfSync")
    assert stream_errors.select("exchange", "symbol").rows() == [(FAULT[0], FAULT[2])]
    for venue, symbols in MARKETS.items():
        for symbol in symbols:
            assert books.filter((pl.col("exchange") == venue) & (pl.col("symbol") == symbol)).height >= SECONDS // 3
    assert trades["exchange"].unique().sort().to_list() == ["binance", "okx"]


@pytest.mark.e2e
def test_the_lake_holds_the_same_books_and_trades(twins):
    collected, imported, _, _ = twins
    for table, key in (("raw_orderbooks", ["snapshot_id"]), ("raw_trades", ["exchange", "symbol", "trade_key"])):
        ours, theirs = _lake(collected, table, key), _lake(imported, table, key)
        assert ours.height > 0 and ours.equals(theirs), table


@pytest.mark.e2e
def test_every_mart_equals_its_twin_row_for_row(twins):
    collected, imported, _, _ = twins
    ours, theirs = table_rows(collected.root, BOOKKEEPING), table_rows(imported.root, BOOKKEEPING)
    assert ours.keys() == theirs.keys() and set(PER_DATA_SET) <= ours.keys()
    for table in PER_DATA_SET:
        ours[table], theirs[table] = _books_and_trades(ours[table]), _books_and_trades(theirs[table])
    for tables in (ours, theirs):  # where a row came from: 'collector' or 'import_<capture>', by design
        for table, rows in tables.items():
            tables[table] = [{name: value for name, value in row.items() if name != "source"} for row in rows]
    for table in ("fct_orderbook_snapshot_metrics", "fct_mm_compliance_daily", "fct_mm_breach_episodes",
                  "fct_liquidity_minute", "fct_trades_minute"):
        assert ours[table], f"{table} has no row: the window does not exercise it"
    for table, rows in ours.items():
        assert same_rows(theirs[table], rows), table
    daily = ours["fct_mm_compliance_daily"]
    assert all(0 < row["compliant_snapshots"] < row["usable_snapshots"] for row in daily), daily
