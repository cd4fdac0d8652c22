"""What the spec boundary tests share: the dbt tests' lake writers (tests/dbt) and one narrow
dbt build per test module.

Each module of tests/spec writes a small hand-made lake, builds only the models it checks (the
models and seeds upstream of them, without dbt's data tests: the tests assert the values) and
asserts numbers worked out by hand from the spec (../shared/spec/metrics.md).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))
try:
    from dbt_harness import (  # noqa: F401  (re-exported for the spec modules)
        day_start_ms, one, query, run_dbt, snapshot, write_lake_orderbooks, write_obligations_csv)
    from lake_tables import trade, write_lake_table  # noqa: F401
finally:
    sys.path.pop(0)

S = 1000  # one second in ms

# spread 0.5 / 100.25 = 49.875 bps; within 100 bps: 100 USD of bids, 100.5 USD of asks
GOOD_BOOK = ([(100.0, 1.0)], [(100.5, 1.0)])
# spread 3 / 101.5 = 295.6 bps: breaches a 100 bps max spread
WIDE_BOOK = ([(100.0, 1.0)], [(103.0, 1.0)])

# spread <= 100 bps and >= 10 USD a side within 100 bps, uptime >= 90 %; a tiny coverage floor so
# a few minutes of data are judged
LOOSE_TERMS = {"mm_name": "Spec MM", "market_type": "spot", "valid_from": "2025-01-01",
               "max_spread_bps": 100, "depth_band_bps": 100, "min_depth_usd": 10,
               "min_uptime_pct": 90, "min_coverage_pct": 0.05}


def book(exchange: str, symbol: str, ts: int, levels: tuple[list, list], **kwargs) -> dict:
    """One lake snapshot row from a (bids, asks) pair."""
    return snapshot(exchange, symbol, ts, levels[0], levels[1], **kwargs)


def built_lake(data_dir: Path, models: list[str], *, books: list[list[dict]] = (), trades: list[list[dict]] = (),
               obligations: list[dict] = (), day: str | None = None) -> Path:
    """`data_dir` with a lake of order-book and trade rows (each list one lake batch file, so a row
    in two lists sits in two files) and `models` built on it; returns `data_dir`."""
    for number, rows in enumerate(books, start=1):
        write_lake_orderbooks(data_dir, rows, batch=f"batch-{number:04d}")
    for number, rows in enumerate(trades, start=1):
        write_lake_table(data_dir, "raw_trades", rows, batch=f"batch-{number:04d}")
    build_models(data_dir, models, list(obligations), day)
    return data_dir


def build_models(data_dir: Path, models: list[str], obligations: list[dict], day: str | None = None) -> None:
    """Build `models` and everything upstream of them on the lake under `data_dir` (every day of
    the lake, or only `day`), with `obligations` as the obligations CSV."""
    csv_path = write_obligations_csv(data_dir / "obligations.csv", obligations)
    dbt_vars = {"obligations_csv": str(csv_path), **({"day": day} if day else {})}
    select = [f"+{model}" for model in models]
    run_dbt(data_dir, ["build", "--select", *select, "--exclude", "resource_type:test"], dbt_vars)
