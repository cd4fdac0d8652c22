"""Order-book snapshots read straight from the lake (raw_orderbooks), each with the file and row it
came from, so an answer can name its source and a pack can be verified against the recording.

Levels are shown as the marts see them: zero-amount levels dropped (spec §1), amounts in base
units (the staging macro, rendered by mmwatch.evidence.macros), listed from the touch (bids by
price descending, asks ascending). The venue's own numbers (contracts on contract venues) are kept
beside them. Only usable snapshots (spec §1: not invalid) are returned.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from mmwatch.days import utc_day_of_ms
from mmwatch.evidence.macros import levels_in_base_units
from mmwatch.lake.files import lake_files
from mmwatch.settings import DataDir

TABLE = "raw_orderbooks"
Level = tuple[float, float]


@dataclass(frozen=True)
class Market:
    exchange: str
    market_type: str
    symbol: str

    def __str__(self) -> str:
        return f"{self.exchange} {self.symbol} ({self.market_type})"


@dataclass(frozen=True)
class RowRef:
    """Where a snapshot lies: a lake file and its row (0-based, Parquet order), with its ts."""

    file: Path
    row: int
    ts: int
    snapshot_id: str


@dataclass(frozen=True)
class LakeSnapshot:
    snapshot_id: str
    ts: int  # coalesce(exchange_ts, received_ts), ms
    exchange_ts: int | None
    received_ts: int
    contract_size: float
    source: str
    file: Path
    row: int
    bids: list[Level]  # base units, from the touch
    asks: list[Level]
    venue_bids: list[Level]  # as recorded (venue units, venue order)
    venue_asks: list[Level]


def _connection() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:")


def _read(files: Sequence[Path]) -> str:
    listed = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
    return (f"read_parquet([{listed}], filename = true, file_row_number = true, hive_partitioning = false, "
            "union_by_name = true)")


def partition_days(layout: DataDir, exchange: str) -> list[str]:
    """The days with a raw_orderbooks partition of `exchange`, oldest first."""
    root = layout.lake / TABLE
    return sorted(p.parent.name.removeprefix("day=") for p in root.glob(f"day=*/exchange={exchange}")
                  if any(p.glob("*.parquet")))


def _refs(con: duckdb.DuckDBPyConnection, files: Sequence[Path], market: Market, where: str, params: list,
          order: str, limit: int | None = None) -> list[RowRef]:
    if not files:
        return []
    sql = (f"select filename, file_row_number, ts, snapshot_id from {_read(files)} "
           f"where market_type = ? and symbol = ? and is_valid and {where} order by {order}"
           + (f" limit {int(limit)}" if limit else ""))
    rows = con.execute(sql, [market.market_type, market.symbol, *params]).fetchall()
    return [RowRef(Path(f), int(r), int(ts), sid) for f, r, ts, sid in rows]


def last_usable_at(layout: DataDir, market: Market, at_ms: int) -> RowRef | None:
    """The newest usable snapshot with ts <= at_ms (the latest received one of equal ts), searching
    back day by day through the partitions that exist; None when there is none."""
    at_day = utc_day_of_ms(at_ms)
    with _connection() as con:
        for day in reversed([d for d in partition_days(layout, market.exchange) if d <= at_day]):
            found = _refs(con, lake_files(layout, TABLE, day, market.exchange), market, "ts <= ?", [at_ms],
                          "ts desc, received_ts desc, filename, file_row_number", 1)
            if found:
                return found[0]
    return None


def first_usable_after(layout: DataDir, market: Market, after_ms: int) -> RowRef | None:
    """The oldest usable snapshot with ts > after_ms, None when there is none."""
    after_day = utc_day_of_ms(after_ms)
    with _connection() as con:
        for day in [d for d in partition_days(layout, market.exchange) if d >= after_day]:
            found = _refs(con, lake_files(layout, TABLE, day, market.exchange), market, "ts > ?", [after_ms],
                          "ts, received_ts, filename, file_row_number", 1)
            if found:
                return found[0]
    return None


def usable_between(layout: DataDir, market: Market, from_ms: int, to_ms: int) -> list[RowRef]:
    """Every usable snapshot with from_ms <= ts <= to_ms, oldest first, each snapshot_id once (its
    first received copy, as the marts count it)."""
    days, day = [], date.fromisoformat(utc_day_of_ms(from_ms))
    while day.isoformat() <= utc_day_of_ms(to_ms):
        days.append(day.isoformat())
        day += timedelta(days=1)
    files = [f for d in days for f in lake_files(layout, TABLE, d, market.exchange)]
    with _connection() as con:
        refs = _refs(con, files, market, "ts between ? and ?", [from_ms, to_ms],
                     "ts, received_ts, filename, file_row_number")
    seen: set[str] = set()
    return [r for r in refs if not (r.snapshot_id in seen or seen.add(r.snapshot_id))]


def collected_markets(layout: DataDir, exchange: str, day: str | None = None) -> list[Market]:
    """The markets with any snapshot (usable or not) of `exchange` on `day` (default: its newest
    partition)."""
    days = partition_days(layout, exchange)
    chosen = day or (days[-1] if days else None)
    files = lake_files(layout, TABLE, chosen, exchange) if chosen else []
    if not files:
        return []
    with _connection() as con:
        rows = con.execute(f"select distinct market_type, symbol from {_read(files)} order by all").fetchall()
    return [Market(exchange, t, s) for t, s in rows]


def ever_collected(layout: DataDir, market: Market) -> bool:
    """True when any snapshot of the market (usable or not) is in the lake, on any day."""
    files = [f for d in partition_days(layout, market.exchange) for f in lake_files(layout, TABLE, d, market.exchange)]
    if not files:
        return False
    with _connection() as con:
        return con.execute(f"select count(*) > 0 from (select 1 from {_read(files)} where market_type = ? and symbol = ? "
                           "limit 1)", [market.market_type, market.symbol]).fetchone()[0]


def _from_touch(levels: Iterable[dict], side: str) -> list[Level]:
    pairs = [(float(level["price"]), float(level["amount"])) for level in levels]
    return sorted(pairs, key=lambda level: -level[0] if side == "bid" else level[0])


def read_snapshots(refs: Sequence[RowRef]) -> list[LakeSnapshot]:
    """The snapshots at `refs`, in the order given."""
    by_file: dict[Path, set[int]] = {}
    for ref in refs:
        by_file.setdefault(ref.file, set()).add(ref.row)
    found: dict[tuple[Path, int], LakeSnapshot] = {}
    with _connection() as con:
        for file, rows in by_file.items():
            listed = ", ".join(str(r) for r in sorted(rows))
            sql = (f"select file_row_number, snapshot_id, ts, exchange_ts, received_ts, coalesce(contract_size, 1.0), "
                   f"source, {levels_in_base_units('bids', 'contract_size', 'symbol')}, "
                   f"{levels_in_base_units('asks', 'contract_size', 'symbol')}, bids, asks "
                   f"from {_read([file])} where file_row_number in ({listed})")
            for row, sid, ts, exchange_ts, received_ts, size, source, bids, asks, raw_bids, raw_asks in con.execute(sql).fetchall():
                found[(file, int(row))] = LakeSnapshot(
                    sid, int(ts), exchange_ts, int(received_ts), float(size), source, file, int(row),
                    _from_touch(bids, "bid"), _from_touch(asks, "ask"),
                    [(float(v["price"]), float(v["amount"])) for v in raw_bids],
                    [(float(v["price"]), float(v["amount"])) for v in raw_asks])
    return [found[(ref.file, ref.row)] for ref in refs]
