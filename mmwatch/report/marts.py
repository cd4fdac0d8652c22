"""Everything the report email reads besides the day's rows, straight from the marts:
breach episodes (fct_mm_breach_episodes), the month's daily verdicts (fct_mm_compliance_daily)
and the spread/depth timelines of failing obligations (fct_orderbook_snapshot_metrics).
Nothing is recomputed: the report only counts days and picks columns."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from mmwatch.errors import MmwatchError
from mmwatch.report.compliance import ComplianceRow, check_day, load_compliance_rows

# depth bands (bps) that fct_orderbook_snapshot_metrics holds as depth_{bid,ask}_usd_<band>
SNAPSHOT_BANDS = (10, 50, 100, 200)


@dataclass(frozen=True)
class BreachEpisode:
    start_ts: int  # ms
    end_ts: int  # ms
    duration_s: float
    ended_by: str


@dataclass(frozen=True)
class MonthDay:
    day: date
    verdict: str
    uptime_pct: float | None


@dataclass(frozen=True)
class MonthToDate:
    """Days of the month up to the report day by verdict; passed % = pass / (pass + fail) (spec §3)."""

    days: list[MonthDay]

    def count(self, verdict: str) -> int:
        return sum(1 for d in self.days if d.verdict == verdict)

    @property
    def days_passed_pct(self) -> float | None:
        judged = self.count("pass") + self.count("fail")
        return None if judged == 0 else 100.0 * self.count("pass") / judged

    def describe(self) -> str:
        passed, judged = self.count("pass"), self.count("pass") + self.count("fail")
        text = f"{passed} of {judged} days passed" + ("" if not judged else f" ({self.days_passed_pct:.0f} %)")
        missing = self.count("insufficient_data")
        return text + (f", {missing} insufficient data" if missing else "")


@dataclass(frozen=True)
class Timeline:
    """One failing obligation's snapshots: ts (ms), spread (bps), depth per side (USD) at `band_bps`."""

    band_bps: int | None
    ts: list[int] = field(default_factory=list)
    spread_bps: list[float | None] = field(default_factory=list)
    depth_bid_usd: list[float | None] = field(default_factory=list)
    depth_ask_usd: list[float | None] = field(default_factory=list)


@dataclass
class DayMarts:
    day: str
    rows: list[ComplianceRow]
    episodes: dict[str, list[BreachEpisode]]
    month: dict[str, MonthToDate]
    timelines: dict[str, Timeline]


def chart_band(depth_band_bps: float) -> int | None:
    """The snapshot-metrics band drawn for an obligation: its own band when the mart holds it, else the
    widest narrower one (depth there is a lower bound of the obligation's), None below 10 bps."""
    fitting = [b for b in SNAPSHOT_BANDS if b <= depth_band_bps]
    return fitting[-1] if fitting else None


def load_day_marts(warehouse_path: str | Path, day: str) -> DayMarts:
    """The day's rows, episodes, month to date and the failing obligations' timelines (read-only)."""
    import duckdb

    from mmwatch.duckdb_files import read_warehouse

    rows = load_compliance_rows(warehouse_path, check_day(day))
    month_start = day[:8] + "01"
    try:
        with read_warehouse(warehouse_path) as con:
            episodes: dict[str, list[BreachEpisode]] = {}
            for oid, *episode in con.execute(
                "select obligation_id, start_ts, end_ts, duration_s, ended_by from fct_mm_breach_episodes "
                "where day = cast(? as date) order by obligation_id, start_ts", [day]).fetchall():
                episodes.setdefault(oid, []).append(BreachEpisode(*episode))
            month_days: dict[str, list[MonthDay]] = {}
            for oid, *month_day in con.execute(
                "select obligation_id, day, verdict, uptime_pct from fct_mm_compliance_daily "
                "where day between cast(? as date) and cast(? as date) order by obligation_id, day",
                [month_start, day]).fetchall():
                month_days.setdefault(oid, []).append(MonthDay(*month_day))
            timelines = {r.obligation_id: _timeline(con, r, day) for r in rows if r.verdict == "fail"}
    except duckdb.CatalogException as error:
        raise MmwatchError(f"{warehouse_path} lacks a mart the report reads ({error}): "
                           f"run `mmwatch build --date {day}` first") from None
    month = {r.obligation_id: MonthToDate(month_days.get(r.obligation_id, [])) for r in rows}
    return DayMarts(day, rows, episodes, month, timelines)


def _timeline(con, row: ComplianceRow, day: str) -> Timeline:
    band = chart_band(row.depth_band_bps)
    depth = f"depth_bid_usd_{band}, depth_ask_usd_{band}" if band else "null, null"
    found = con.execute(
        f"select ts, spread_bps, {depth} from fct_orderbook_snapshot_metrics "
        "where day = cast(? as date) and exchange = ? and market_type = ? and symbol = ? order by ts",
        [day, row.exchange, row.market_type, row.symbol]).fetchall()
    columns = list(zip(*found)) or [[], [], [], []]
    return Timeline(band, *(list(c) for c in columns))
