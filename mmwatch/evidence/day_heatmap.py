"""The price-level heat map of a failing obligation's whole UTC day, for the daily report: its
market's usable snapshots from the lake (at most MAX_HEATMAP_SNAPSHOTS, evenly spaced, as the
evidence pack samples a window), each snapshot's mid from int_obligation_snapshots_evaluated (the
number the verdict was made of), the obligation's band drawn and every breach episode of the day
(fct_mm_breach_episodes) marked. Drawn by mmwatch.evidence.charts.heatmap_png, the pack's chart.

A heat map that cannot be drawn (no warehouse, no lake beside it, no snapshot of the market that
day) is a reason in words; the report says it and still goes out."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from mmwatch.errors import MmwatchError
from mmwatch.evidence import lake_books, warehouse
from mmwatch.evidence.charts import Terms, heatmap_png
from mmwatch.evidence.lake_books import LakeSnapshot, Market
from mmwatch.evidence.pack import DAY_MS, sampled
from mmwatch.settings import DataDir


@dataclass(frozen=True)
class DayBook:
    """What one obligation's day heat map draws (read once, drawn per time zone)."""

    title: str
    snapshots: list[LakeSnapshot]
    mids: list[float | None]
    terms: Terms
    breaches: list[tuple[int, int]]
    usd_rate: float
    day_snapshots: int  # usable snapshots of the market that day, before sampling


def _day_start_ms(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp() * 1000)


def read_day_book(layout: DataDir, obligation_id: str, day: str) -> DayBook:
    """The snapshots, mids, terms and episodes of `obligation_id`'s market on `day`; MmwatchError
    with the reason when there are none."""
    with warehouse.warehouse_connection(layout.warehouse) as con:
        terms = warehouse.obligation_terms(con, obligation_id)
        if terms is None:
            raise MmwatchError(f"obligation {obligation_id!r} is not in dim_obligations of {layout.warehouse}")
        episodes = warehouse.breach_episodes(con, obligation_id, day)
    market = Market(terms["exchange"], terms["market_type"], terms["symbol"])
    start = _day_start_ms(day)
    refs = lake_books.usable_between(layout, market, start, start + DAY_MS - 1)
    if not refs:
        raise MmwatchError(f"no usable snapshot of {market} on {day} in {layout.lake / lake_books.TABLE} (the lake "
                           "beside the warehouse): the heat map needs the recording the day was built from")
    snapshots = lake_books.read_snapshots(sampled(refs, set()))
    with warehouse.warehouse_connection(layout.warehouse) as con:
        judged = warehouse.evaluations(con, [s.snapshot_id for s in snapshots], [obligation_id])
    rows = [judged.get((obligation_id, s.snapshot_id), {}) for s in snapshots]
    rate = next((r["usd_rate"] for r in rows if r.get("usd_rate")), 1.0)
    return DayBook(f"{obligation_id} · {market} · {day}: liquidity by price", snapshots, [r.get("mid") for r in rows],
                   Terms(terms["depth_band_bps"], terms["min_depth_usd"], terms["max_spread_bps"]),
                   [(e["start_ts"], e["end_ts"]) for e in episodes], rate, len(refs))


class DayHeatmaps:
    """Heat maps of the report day by (obligation, time zone); each obligation's day read once.
    `png` gives (bytes, None) or (None, the reason it cannot be drawn)."""

    def __init__(self, warehouse_path: str | Path, day: str):
        self.layout = DataDir(Path(warehouse_path).resolve().parent)
        self.day = day
        self._books: dict[str, DayBook | str] = {}
        self._pngs: dict[tuple[str, str], bytes] = {}

    def book(self, obligation_id: str) -> DayBook | str:
        if obligation_id not in self._books:
            try:
                self._books[obligation_id] = read_day_book(self.layout, obligation_id, self.day)
            except MmwatchError as error:
                self._books[obligation_id] = str(error)
        return self._books[obligation_id]

    def png(self, obligation_id: str, tz_name: str) -> tuple[bytes | None, str | None]:
        book = self.book(obligation_id)
        if isinstance(book, str):
            return None, book
        key = (obligation_id, tz_name)
        if key not in self._pngs:
            self._pngs[key] = heatmap_png(book.snapshots, book.mids, book.terms, book.breaches, book.title,
                                          book.usd_rate, tz_name)
        return self._pngs[key], None
