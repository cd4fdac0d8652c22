"""The day the report and serving tests build through Dagster: BTC/USDT on binance, a book a minute
(mid 100, spread 10 bps), ~10k USD a side within 50 bps for the first six hours (breaching a 25k
USD depth obligation), ~30k after; and the header of the obligations CSV they write for it.

Importable from every test folder: pytest puts tests/ on sys.path for tests/conftest.py.
"""
from __future__ import annotations

import sys
from pathlib import Path

from mmwatch.obligations import CANONICAL_COLUMNS

DAGSTER_TESTS = Path(__file__).resolve().parent / "dagster"
OBLIGATIONS_HEADER = ",".join(CANONICAL_COLUMNS) + "\n"


def landing_factory():
    """tests/dagster/landing_factory.py, imported without leaving tests/dagster on sys.path."""
    sys.path.insert(0, str(DAGSTER_TESTS))
    try:
        import landing_factory
    finally:
        sys.path.remove(str(DAGSTER_TESTS))
    return landing_factory


def thin_morning_books(lf) -> list[dict]:
    """The day's BTC/USDT book rows (`lf` is the landing factory)."""
    rows = []
    for minute in range(1440):
        thin = minute < 360
        bids = lf.levels((99.95, 100)) if thin else lf.levels((99.95, 100), (99.9, 200))
        asks = lf.levels((100.05, 100)) if thin else lf.levels((100.05, 100), (100.1, 200))
        rows.append(lf.book(minute * 60_000, bids, asks))
    return rows
