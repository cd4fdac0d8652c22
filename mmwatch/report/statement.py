"""A market maker's month-end statement, read from the marts (nothing recomputed): per obligation the
month of fct_mm_compliance_monthly (days passed / failed / insufficient, days_passed_pct, verdict,
coverage), its terms and days from fct_mm_compliance_daily, its validity from dim_obligations, and
every breach episode of the month from fct_mm_breach_episodes with the folder of its evidence pack
(<data dir>/evidence/<obligation_id>/<day>/, written by `mmwatch evidence`)."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from mmwatch.errors import MmwatchError

EVIDENCE_DIR = "evidence"
# the obligation's terms as the daily mart carries them (min_days_pct: the monthly mart)
TERMS = ("max_spread_bps", "depth_band_bps", "min_depth_usd", "min_uptime_pct", "min_coverage_pct")

_MONTHS = """
select monthly.obligation_id, monthly.exchange, monthly.market_type, monthly.symbol, monthly.reported_days,
       monthly.pass_days, monthly.fail_days, monthly.insufficient_data_days, monthly.days_passed_pct,
       monthly.min_days_pct, monthly.verdict, monthly.breach_episodes, monthly.longest_breach_s,
       monthly.mean_daily_uptime_pct, monthly.mean_daily_coverage_pct, dim.valid_from, dim.valid_to
from fct_mm_compliance_monthly as monthly
left join dim_obligations as dim using (obligation_id)
where monthly.mm_name = ? and monthly.month = cast(? as date)
order by monthly.exchange, monthly.market_type, monthly.symbol, monthly.obligation_id
"""
_DAYS = """
select obligation_id, day, verdict, uptime_pct, coverage_pct, max_spread_bps, depth_band_bps, min_depth_usd,
       min_uptime_pct, min_coverage_pct
from fct_mm_compliance_daily
where mm_name = ? and day >= cast(? as date) and day < cast(? as date)
order by obligation_id, day
"""
_EPISODES = """
select obligation_id, day, episode_number, start_ts, end_ts, duration_s, ended_by, snapshots, exceeds_alert_after
from fct_mm_breach_episodes
where mm_name = ? and day >= cast(? as date) and day < cast(? as date)
order by obligation_id, day, episode_number
"""


@dataclass(frozen=True)
class StatementDay:
    day: date
    verdict: str
    uptime_pct: float | None
    coverage_pct: float


@dataclass(frozen=True)
class StatementEpisode:
    obligation_id: str
    day: date
    episode_number: int
    start_ts: int  # ms
    end_ts: int  # ms
    duration_s: float
    ended_by: str
    snapshots: int
    exceeds_alert_after: bool

    @property
    def evidence(self) -> str:
        """The evidence pack's folder, relative to the data directory."""
        return evidence_folder(self.obligation_id, self.day)

    @property
    def start(self) -> datetime:
        return datetime.fromtimestamp(self.start_ts / 1000, timezone.utc)

    @property
    def end(self) -> datetime:
        return datetime.fromtimestamp(self.end_ts / 1000, timezone.utc)


@dataclass(frozen=True)
class StatementObligation:
    """One obligation's month: the monthly mart's figures, its terms, its days and its episodes."""

    obligation_id: str
    exchange: str
    market_type: str
    symbol: str
    reported_days: int
    pass_days: int
    fail_days: int
    insufficient_data_days: int
    days_passed_pct: float | None
    min_days_pct: float
    verdict: str
    breach_episodes: int
    longest_breach_s: float | None
    mean_daily_uptime_pct: float | None
    mean_daily_coverage_pct: float | None
    valid_from: date | None  # None: no longer in the obligations file (dim_obligations)
    valid_to: date | None
    terms: dict
    days: list[StatementDay]
    episodes: list[StatementEpisode]

    @property
    def market(self) -> str:
        return f"{self.exchange} {self.symbol} ({self.market_type})"

    def day(self, day: date) -> StatementDay | None:
        """The day's verdict, None when not in force or not built."""
        return next((d for d in self.days if d.day == day), None)

    def not_built(self, month_days: list[date]) -> list[date]:
        """Days of the month inside the validity with no row in the daily mart (not built yet: the
        month's verdict is provisional); none known when the obligation left the file."""
        if self.valid_from is None:
            return []
        built = {d.day for d in self.days}
        return [d for d in month_days if self.valid_from <= d and (self.valid_to is None or d < self.valid_to)
                and d not in built]

    def days_with(self, verdict: str) -> list[date]:
        return [d.day for d in self.days if d.verdict == verdict]

    @property
    def min_daily_coverage_pct(self) -> float | None:
        return min((d.coverage_pct for d in self.days), default=None)


@dataclass(frozen=True)
class Statement:
    mm_name: str
    month: date  # first day
    obligations: list[StatementObligation]
    source: str
    generated_at: datetime

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")

    @property
    def month_days(self) -> list[date]:
        length = calendar.monthrange(self.month.year, self.month.month)[1]
        return [self.month + timedelta(days=i) for i in range(length)]

    def count(self, verdict: str) -> int:
        return sum(1 for o in self.obligations if o.verdict == verdict)


def evidence_folder(obligation_id: str, day: date) -> str:
    return f"{EVIDENCE_DIR}/{obligation_id}/{day.isoformat()}/"


def check_month(month: str) -> date:
    """The first day of a YYYY-MM month; MmwatchError naming the form otherwise."""
    if not re.fullmatch(r"\d{4}-\d{2}", month or ""):
        raise MmwatchError(f"--month {month!r} is not a month: write it as YYYY-MM, e.g. 2026-03")
    try:
        return date.fromisoformat(f"{month}-01")
    except ValueError:
        raise MmwatchError(f"--month {month!r} is not a month: write it as YYYY-MM, e.g. 2026-03") from None


def load_statement(warehouse_path: str | Path, mm_name: str, month: str,
                   generated_at: datetime | None = None) -> Statement:
    """The statement of `mm_name` for `month` (YYYY-MM) from the warehouse, opened read-only.
    MmwatchError when the warehouse, its marts, the market maker or the month's days are missing."""
    import duckdb

    from mmwatch.duckdb_files import connect_with_retry

    first = check_month(month)
    after = (first + timedelta(days=32)).replace(day=1)
    path = Path(warehouse_path)
    if not path.exists():
        raise MmwatchError(f"no warehouse at {path}: build the month's days first (mmwatch build --date DAY)")
    try:
        with connect_with_retry(path, read_only=True) as con:
            cursor = con.execute(_MONTHS, [mm_name, first])
            names = [column[0] for column in cursor.description]
            months = [dict(zip(names, row)) for row in cursor.fetchall()]
            if not months:
                raise MmwatchError(_nothing_for(con, mm_name, first, path))
            days: dict[str, list[StatementDay]] = {}
            terms: dict[str, dict] = {}
            for oid, day, verdict, uptime, coverage, *values in con.execute(_DAYS, [mm_name, first, after]).fetchall():
                days.setdefault(oid, []).append(StatementDay(day, verdict, uptime, coverage))
                terms.setdefault(oid, dict(zip(TERMS, values)))
            episodes: dict[str, list[StatementEpisode]] = {}
            for found in con.execute(_EPISODES, [mm_name, first, after]).fetchall():
                episodes.setdefault(found[0], []).append(StatementEpisode(*found))
    except duckdb.CatalogException as error:
        raise MmwatchError(f"{path} lacks a mart the statement reads ({error}): build a day first "
                           "(mmwatch build --date DAY)") from None
    obligations = [StatementObligation(**month, terms={**terms.get(month["obligation_id"], {}),
                                                       "min_days_pct": month["min_days_pct"]},
                                       days=days.get(month["obligation_id"], []),
                                       episodes=episodes.get(month["obligation_id"], []))
                   for month in months]
    return Statement(mm_name, first, obligations, f"fct_mm_compliance_monthly in {path}",
                     generated_at or datetime.now(timezone.utc))


def _nothing_for(con, mm_name: str, first: date, path: Path) -> str:
    label = first.strftime("%Y-%m")
    known = [r[0] for r in con.execute("select distinct mm_name from fct_mm_compliance_monthly order by 1").fetchall()]
    if mm_name not in known:
        return (f"no market maker '{mm_name}' in {path} (its market makers: {', '.join(known) or 'none'}): "
                "write --mm as the obligations' mm_name")
    months = [r[0].strftime("%Y-%m") for r in con.execute(
        "select distinct month from fct_mm_compliance_monthly where mm_name = ? order by 1", [mm_name]).fetchall()]
    return (f"{mm_name} has no built day in {label} in {path} (months with days: {', '.join(months)}): "
            f"build the month's days first (mmwatch build --date {label}-01 ...)")
