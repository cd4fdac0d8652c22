"""Helpers of the refresh tests: books landed for a day, and the marts read back."""
from __future__ import annotations

from datetime import datetime, timezone

import duckdb

from landing_factory import DAY_START_MS, book, books_frame, levels
from mmwatch.landing.zone import write_landing
from mmwatch.settings import DataDir


def land_books(data_dir: DataDir, day: str, first_s: int, count: int, half_spread: float) -> None:
    """`count` books of binance BTC/USDT one per 10 s from `first_s` after midnight of `day`,
    mid 100 and the given half spread (so spread_bps = 2 * half_spread / 100 * 10_000)."""
    shift_ms = int((datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp() * 1000) - DAY_START_MS)
    rows = [book(shift_ms + (first_s + 10 * i) * 1000, levels((100 - half_spread, 50)), levels((100 + half_spread, 50)))
            for i in range(count)]
    write_landing(data_dir, "orderbooks", day, "binance", books_frame(rows), "collector")


def snapshot_rows(data_dir: DataDir) -> dict[str, list[tuple]]:
    """Rows of fct_orderbook_snapshot_metrics per day: (snapshot_id, ts, spread_bps), sorted."""
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as con:
        rows = con.execute("select day::varchar, snapshot_id, ts, spread_bps from fct_orderbook_snapshot_metrics "
                           "order by day, ts").fetchall()
    by_day: dict[str, list[tuple]] = {}
    for day, *rest in rows:
        by_day.setdefault(day, []).append(tuple(rest))
    return by_day


def days_in(data_dir: DataDir, table: str) -> set[str]:
    """The days a mart holds rows for."""
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as con:
        return {d for (d,) in con.execute(f"select distinct day::varchar from {table}").fetchall()}
