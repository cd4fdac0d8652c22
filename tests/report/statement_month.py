"""A small month built by the real dbt for the statement tests: binance BTC/USDT and ETH/USDT, a book
every 30 s for the first two hours of each day (120 covered minutes of 1,440: coverage 8.33 %, the
obligations ask 5 %), on 2026-02-27 and 2026-03-02..05, ETH also on 2026-03-06 (so BTC has no data
that day: insufficient_data). A good book is bid 99.9 / ask 100.1 (spread 20 bps <= 25), a wide one
99 / 101 (200 bps): runs of wide books are the breach episodes.

acme-btc: 03-02 pass; 03-03 two short breaches (3 books each), pass; 03-04 30 minutes wide and the
last two books of the day wide, fail; 03-05 pass; 03-06 insufficient data: 3 of 4 judged days = 75 %
>= 75: the month passes. acme-eth: wide all day on 03-03 and 03-04: 3 of 5 = 60 %: the month fails.
orbit-btc: another market maker on BTC/USDT, never in Acme's statement.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))
try:
    from dbt_harness import day_start_ms, run_dbt, snapshot, write_lake_orderbooks, write_obligations_csv
finally:
    sys.path.pop(0)

GOOD = ([(99.9, 50.0)], [(100.1, 50.0)])
WIDE = ([(99.0, 50.0)], [(101.0, 50.0)])
BOOKS_A_DAY = 240  # every 30 s for two hours
TERMS = {"exchange": "binance", "market_type": "spot", "valid_from": "2026-01-01", "max_spread_bps": 25,
         "depth_band_bps": 200, "min_depth_usd": 1000, "min_uptime_pct": 90, "min_coverage_pct": 5}
OBLIGATIONS = [
    {**TERMS, "obligation_id": "acme-btc", "mm_name": "Acme", "symbol": "BTC/USDT"},
    {**TERMS, "obligation_id": "acme-eth", "mm_name": "Acme", "symbol": "ETH/USDT"},
    {**TERMS, "obligation_id": "orbit-btc", "mm_name": "Orbit", "symbol": "BTC/USDT"},
]
# book numbers (0..239) that are wide, per (symbol, day)
WIDE_BOOKS = {
    ("BTC/USDT", "2026-03-03"): set(range(10, 13)) | set(range(100, 103)),
    ("BTC/USDT", "2026-03-04"): set(range(60, 120)) | {238, 239},
    ("ETH/USDT", "2026-03-03"): set(range(BOOKS_A_DAY)),
    ("ETH/USDT", "2026-03-04"): set(range(BOOKS_A_DAY)),
}
DAYS = {"BTC/USDT": ("2026-02-27", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"),
        "ETH/USDT": ("2026-02-27", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06")}


def lake_rows() -> list[dict]:
    rows = []
    for symbol, days in DAYS.items():
        for day in days:
            wide = WIDE_BOOKS.get((symbol, day), set())
            rows += [snapshot("binance", symbol, day_start_ms(day) + n * 30_000, *(WIDE if n in wide else GOOD))
                     for n in range(BOOKS_A_DAY)]
    return rows


def build_month(work: Path) -> Path:
    """Build the month with the real dbt in `work`; returns a data directory holding a copy of the
    warehouse (in-process dbt keeps its own connection to the original open)."""
    write_lake_orderbooks(work, lake_rows())
    csv_path = write_obligations_csv(work / "obligations.csv", OBLIGATIONS)
    run_dbt(work, ["build", "--select", "+fct_mm_compliance_monthly", "+fct_mm_breach_episodes", "+dim_obligations",
                   "--indirect-selection", "cautious"], {"obligations_csv": str(csv_path)})
    data_dir = work / "statement-data"
    data_dir.mkdir()
    for suffix in ("", ".wal"):
        if (work / f"warehouse.duckdb{suffix}").exists():
            shutil.copy(work / f"warehouse.duckdb{suffix}", data_dir / f"warehouse.duckdb{suffix}")
    return data_dir
