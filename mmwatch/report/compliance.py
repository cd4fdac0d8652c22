"""Render the daily compliance report from fct_mm_compliance_daily.

Every number comes from the marts; the warehouse is opened read-only, so a
report never blocks or alters the pipeline's writes. Whether an obligation's market ever
landed any order book comes from dim_obligations.market_has_data.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from zoneinfo import ZoneInfo

from mmwatch.days import check_day  # noqa: F401  (re-exported: the report's callers import it from here)
from mmwatch.errors import MmwatchError
from mmwatch.report.templating import environment

VERDICTS = ("pass", "fail", "insufficient_data")

_QUERY = """
select daily.mm_name, daily.exchange, daily.market_type, daily.symbol, daily.obligation_id, daily.verdict,
       daily.uptime_pct, daily.bid_uptime_pct, daily.ask_uptime_pct, daily.coverage_pct,
       daily.breach_episodes, daily.longest_breach_s, daily.breach_minutes,
       daily.max_spread_bps, daily.depth_band_bps, daily.min_depth_usd, daily.min_uptime_pct, daily.min_coverage_pct,
       daily.median_spread_bps, daily.median_depth_bid_usd, daily.median_depth_ask_usd,
       {market_has_data} as market_has_data
from fct_mm_compliance_daily as daily
{obligations_join}
where daily.day = cast(? as date)
order by daily.mm_name, daily.exchange, daily.market_type, daily.symbol, daily.obligation_id
"""
_HAS_DATA_COLUMN = """
select count(*) from information_schema.columns
where table_name = 'dim_obligations' and column_name = 'market_has_data'
"""


@dataclass(frozen=True)
class ComplianceRow:
    """One obligation's day, as fct_mm_compliance_daily states it."""

    mm_name: str
    exchange: str
    market_type: str
    symbol: str
    obligation_id: str
    verdict: str
    uptime_pct: float | None
    bid_uptime_pct: float | None
    ask_uptime_pct: float | None
    coverage_pct: float | None
    breach_episodes: int
    longest_breach_s: float | None
    breach_minutes: int
    max_spread_bps: float
    depth_band_bps: float
    min_depth_usd: float
    min_uptime_pct: float
    min_coverage_pct: float
    # evidence columns of the mart (medians over the day), shown next to the thresholds
    median_spread_bps: float | None = None
    median_depth_bid_usd: float | None = None
    median_depth_ask_usd: float | None = None
    # dim_obligations.market_has_data: False = no order book of the market ever landed (the
    # report says "no data collected for this market"); None = the warehouse does not say
    # (built before that column existed), so nothing is claimed either way
    market_has_data: bool | None = None


def load_compliance_rows(warehouse_path: str | Path, day: str) -> list[ComplianceRow]:
    """The obligations' rows of `day` from the warehouse (opened read-only)."""
    import duckdb

    from mmwatch.duckdb_files import read_warehouse

    check_day(day)
    path = Path(warehouse_path)
    if not path.exists():
        raise MmwatchError(f"no warehouse at {path}: run `mmwatch build --date {day}` first")
    try:
        with read_warehouse(path) as con:  # waits while a build writes it
            if day_built(con, day) is False:
                raise MmwatchError(f"{day} has never been built into {path}: build it with "
                                   f"`mmwatch build --date {day} --data-dir {path.parent}`")
            return compliance_rows(con, day)
    except duckdb.CatalogException as error:
        raise MmwatchError(
            f"{path} has no fct_mm_compliance_daily table ({error}): run `mmwatch build --date {day}` first"
        ) from None


def day_built(con, day: str) -> bool | None:
    """Whether dbt ever built the compliance mart of `day` in this warehouse (its refresh log,
    main._mart_refreshes: a line per model and built day, day null for a build of every day);
    None when the warehouse has no refresh log (built before it existed): nothing is claimed."""
    if not con.execute("select count(*) from information_schema.tables where table_schema = 'main' "
                       "and table_name = '_mart_refreshes'").fetchone()[0]:
        return None
    return con.execute("select count(*) > 0 from main._mart_refreshes where model = 'fct_mm_compliance_daily' "
                       "and (day = cast(? as date) or day is null)", [day]).fetchone()[0]


def compliance_rows(con, day: str) -> list[ComplianceRow]:
    """The obligations' rows of `day` through an open warehouse connection (CatalogException: no marts)."""
    return [ComplianceRow(*row) for row in con.execute(_query(con), [day]).fetchall()]


def _query(con) -> str:
    if con.execute(_HAS_DATA_COLUMN).fetchone()[0]:
        return _QUERY.format(market_has_data="obligations.market_has_data",
                             obligations_join="left join dim_obligations as obligations using (obligation_id)")
    return _QUERY.format(market_has_data="null", obligations_join="")


def render_compliance_report(warehouse_path: str | Path, day: str) -> str:
    """The HTML compliance report of `day`: one row per obligation and a summary line."""
    return render_compliance_html(day, load_compliance_rows(warehouse_path, day), str(warehouse_path))


def verdict_counts(rows: list[ComplianceRow]) -> dict[str, int]:
    """Obligations per verdict (pass, fail, insufficient_data)."""
    return {verdict: sum(1 for r in rows if r.verdict == verdict) for verdict in VERDICTS}


def no_data_count(rows: list[ComplianceRow]) -> int:
    """Obligations whose market never landed any order book (a part of insufficient_data)."""
    return sum(1 for r in rows if r.market_has_data is False)


def report_context(day: str, rows: list[ComplianceRow], source: str, *, group: str | None = None,
                   month: dict | None = None, uptime_chart: str | None = None, timelines: list | None = None,
                   tz_name: str = "UTC", generated_at: datetime | None = None) -> dict:
    """What the templates print: `month` maps obligation_id to its month to date (an object with
    describe()), `uptime_chart` is an image src, `timelines` objects with `row` and `src`."""
    when = (generated_at or datetime.now(timezone.utc)).astimezone(ZoneInfo(tz_name))
    return dict(day=day, rows=rows, counts=verdict_counts(rows), no_data=no_data_count(rows), source=source,
                group=group, month=month,
                uptime_chart=uptime_chart, timelines=timelines or [], tz_name=tz_name,
                generated_at=when.strftime("%Y-%m-%d %H:%M %Z"))


def render_template(name: str, context: dict) -> str:
    """Render templates/<name>; HTML templates are autoescaped, text ones are not."""
    return environment(autoescape=name.endswith(".html.j2")).get_template(name).render(**context)


def render_compliance_html(day: str, rows: list[ComplianceRow], warehouse: str, **extras) -> str:
    """The report HTML of already loaded rows (autoescaped Jinja2 template); `extras` as report_context."""
    return render_template("compliance.html.j2", report_context(day, rows, f"fct_mm_compliance_daily in {warehouse}", **extras))
