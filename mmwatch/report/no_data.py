"""Obligations whose market never landed any order book: one warning line each for `mmwatch
build`, with the markets of the same venue that do have data and look alike (a typo in the
symbol or the market type is the usual cause)."""
from __future__ import annotations

import difflib
from pathlib import Path

from mmwatch.report.compliance import ComplianceRow
from mmwatch.report.templating import NO_DATA


def markets_with_books(warehouse_path: str | Path) -> set[tuple[str, str, str]]:
    """(exchange, market_type, symbol) of every market with an order book in the lake on any day
    (dim_markets); empty when the warehouse has no dim_markets."""
    import duckdb

    from mmwatch.duckdb_files import read_warehouse

    with read_warehouse(warehouse_path) as con:
        try:
            return set(con.execute("select exchange, market_type, symbol from dim_markets "
                                   "where list_contains(datasets, 'orderbooks')").fetchall())
        except duckdb.CatalogException:
            return set()


def _hint(row: ComplianceRow, known: set[tuple[str, str, str]]) -> str:
    # 0.8: BTC/USTD finds BTC/USDT (0.875), ETH/USDT does not (0.75): another market, not a typo
    venue = sorted({symbol for exchange, _, symbol in known if exchange == row.exchange})
    close = difflib.get_close_matches(row.symbol, venue, n=3, cutoff=0.8)
    if close:
        alike = ", ".join(f"{symbol} ({kind})" for symbol in close
                          for kind in sorted(k for e, k, s in known if e == row.exchange and s == symbol))
        return f"markets of {row.exchange} with data and a similar name: {alike}: check the obligation"
    return ("check the obligation's exchange, market_type and symbol, or add the market to the collection "
            f"config (`mmwatch markets --exchange {row.exchange}` lists what the venue offers)")


def no_data_warnings(warehouse_path: str | Path, rows: list[ComplianceRow]) -> list[str]:
    """One line per obligation of `rows` whose market never landed an order book."""
    missing = [r for r in rows if r.market_has_data is False]
    if not missing:
        return []
    known = markets_with_books(warehouse_path)
    return [f"obligation {r.obligation_id} ({r.mm_name}, {r.exchange} {r.symbol} {r.market_type}): {NO_DATA}: "
            f"no order book of it has ever landed, so its days are insufficient_data; {_hint(r, known)}"
            for r in missing]
