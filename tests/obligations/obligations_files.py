"""Obligations files for the tests: the spec §3 header, good rows, and a writer that puts cells
under any header (in any column order)."""
from __future__ import annotations

from pathlib import Path

from mmwatch.obligations import CANONICAL_COLUMNS

# spread <= 10 bps, >= 50,000 USD a side within 200 bps, uptime >= 90 %
GOOD = {
    "obligation_id": "acme-btc", "mm_name": "Acme", "exchange": "binance", "market_type": "spot",
    "symbol": "BTC/USDT", "valid_from": "2025-01-01", "valid_to": "", "max_spread_bps": "10",
    "depth_band_bps": "200", "min_depth_usd": "50000", "min_uptime_pct": "90", "min_coverage_pct": "",
    "min_days_pct": "", "alert_after_s": "300",
}


def row(**cells: str) -> dict[str, str]:
    """GOOD with some cells replaced."""
    return {**GOOD, **cells}


def write_csv(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = CANONICAL_COLUMNS) -> Path:
    """`rows` under the header `columns` (cells by name; a column a row lacks is left empty). Cells
    are written as given: no quoting, so a test can write exactly the text it means."""
    lines = [",".join(columns)] + [",".join(r.get(c, "") for c in columns) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
