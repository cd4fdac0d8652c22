"""The simulated day of the report tests: landing rows and obligations (one pass, one fail with an
HTML-unsafe MM name, one with insufficient coverage)."""
from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ODD_NAME = "Orbit <Markets> & Co"
OBLIGATIONS = f"""obligation_id,mm_name,exchange,market_type,symbol,valid_from,valid_to,max_spread_bps,depth_band_bps,min_depth_usd,min_uptime_pct,min_coverage_pct,min_days_pct,alert_after_s
ob-lenient,Acme MM,binance,spot,BTC/USDT,2026-11-01,,20,50,25000,70,90,75,300
ob-strict,"{ODD_NAME}",binance,spot,BTC/USDT,2026-11-01,,20,50,25000,80,90,75,300
ob-sparse,Acme MM,binance,spot,ETH/USDT,2026-11-01,,20,50,25000,70,90,75,300
"""


def landing_factory():
    sys.path.insert(0, str(TESTS / "dagster"))
    try:
        import landing_factory
    finally:
        sys.path.remove(str(TESTS / "dagster"))
    return landing_factory


def landing_day(layout, lf) -> None:
    """BTC/USDT a book a minute, mid 100, spread 10 bps: ~10k USD a side within 50 bps for the first six
    hours (breaching 25k), ~30k after; ETH/USDT only two hours of books (insufficient coverage)."""
    from mmwatch.landing import write_landing

    rows = []
    for minute in range(1440):
        thin = minute < 360
        bids = lf.levels((99.95, 100)) if thin else lf.levels((99.95, 100), (99.9, 200))
        asks = lf.levels((100.05, 100)) if thin else lf.levels((100.05, 100), (100.1, 200))
        rows.append(lf.book(minute * 60_000, bids, asks))
    for minute in range(120):
        rows.append(lf.book(minute * 60_000, lf.levels((1999, 20)), lf.levels((2001, 20)), symbol="ETH/USDT"))
    write_landing(layout, "orderbooks", lf.DAY, "binance", lf.books_frame(rows), "collector")
