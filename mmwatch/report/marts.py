"""Everything the report email reads besides the day's rows, straight from the marts:
breach episodes (fct_mm_breach_episodes), the month's daily verdicts (fct_mm_compliance_daily),
the spread/depth timelines of failing obligations (fct_orderbook_snapshot_metrics) and their
markets' depth by band per minute (fct_liquidity_minute).
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


@dataclass(frozen=True)
class DepthBands:
    """A market's mean USD depth per side within each band of SNAPSHOT_BANDS, per covered minute
    (fct_liquidity_minute); `problem` says why there is none."""

    minute_ms: list[int] = field(default_factory=list)
    bid_usd: dict[int, list[float | None]] = field(default_factory=dict)  # by band (bps)
    ask_usd: dict[int, list[float | None]] = field(default_factory=dict)
    problem: str | None = None


@dataclass
class DayMarts:
    day: str
    rows: list[ComplianceRow]
    episodes: dict[str, list[BreachEpisode]]
    month: dict[str, MonthToDate]
    timelines: dict[str, Timeline]
    depth_bands: dict[str, DepthBands] = field(default_factory=dict)  # failing obligations, by id


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
            depth_bands = {r.obligation_id: _depth_bands(con, r, day) for r in rows if r.verdict == "fail"}
    except duckdb.CatalogException as error:
        raise MmwatchError(f"{warehouse_path} lacks a mart the report reads ({error}): "
                           f"run `mmwatch build --date {day}` first") from None
    month = {r.obligation_id: MonthToDate(month_days.get(r.obligation_id, [])) for r in rows}
    return DayMarts(day, rows, episodes, month, timelines, depth_bands)


def _depth_bands(con, row: ComplianceRow, day: str) -> DepthBands:
    """The failing obligation's market per minute of `day`; a reason when fct_liquidity_minute is not
    built (the rest of the report does not need it)."""
    import duckdb

    columns = ", ".join(f"mean_depth_bid_usd_{b}, mean_depth_ask_usd_{b}" for b in SNAPSHOT_BANDS)
    try:
        found = con.execute(
            f"select epoch_ms(minute), {columns} from fct_liquidity_minute "
            "where day = cast(? as date) and exchange = ? and market_type = ? and symbol = ? order by minute",
            [day, row.exchange, row.market_type, row.symbol]).fetchall()
    except duckdb.CatalogException:
        return DepthBands(problem=f"fct_liquidity_minute is not in the warehouse: build the day (`mmwatch build "
                                  f"--date {day}`) to draw depth by band")
    if not found:
        return DepthBands(problem=f"fct_liquidity_minute has no minute of {row.exchange} {row.symbol} "
                                  f"({row.market_type}) on {day}")
    columns = [list(c) for c in zip(*found)]
    return DepthBands(columns[0], {b: columns[1 + 2 * i] for i, b in enumerate(SNAPSHOT_BANDS)},
                      {b: columns[2 + 2 * i] for i, b in enumerate(SNAPSHOT_BANDS)})


def _timeline(con, row: ComplianceRow, day: str) -> Timeline:
    band = chart_band(row.depth_band_bps)
    depth = f"depth_bid_usd_{band}, depth_ask_usd_{band}" if band else "null, null"
    found = con.execute(
        f"select ts, spread_bps, {depth} from fct_orderbook_snapshot_metrics "
        "where day = cast(? as date) and exchange = ? and market_type = ? and symbol = ? order by ts",
        [day, row.exchange, row.market_type, row.symbol]).fetchall()
    columns = list(zip(*found)) or [[], [], [], []]
    return Timeline(band, *(list(c) for c in columns))
