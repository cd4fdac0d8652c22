"""Render the daily compliance report from fct_mm_compliance_daily.

Every number comes from the marts; the warehouse is opened read-only, so a
report never blocks or alters the pipeline's writes.
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
select mm_name, exchange, market_type, symbol, obligation_id, verdict,
       uptime_pct, bid_uptime_pct, ask_uptime_pct, coverage_pct,
       breach_episodes, longest_breach_s, breach_minutes,
       max_spread_bps, depth_band_bps, min_depth_usd, min_uptime_pct, min_coverage_pct,
       median_spread_bps, median_depth_bid_usd, median_depth_ask_usd
from fct_mm_compliance_daily
where day = cast(? as date)
order by mm_name, exchange, market_type, symbol, obligation_id
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


def load_compliance_rows(warehouse_path: str | Path, day: str) -> list[ComplianceRow]:
    """The obligations' rows of `day` from the warehouse (opened read-only)."""
    import duckdb

    check_day(day)
    path = Path(warehouse_path)
    if not path.exists():
        raise MmwatchError(f"no warehouse at {path}: run `mmwatch build --date {day}` first")
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            rows = con.execute(_QUERY, [day]).fetchall()
    except duckdb.CatalogException as error:
        raise MmwatchError(
            f"{path} has no fct_mm_compliance_daily table ({error}): run `mmwatch build --date {day}` first"
        ) from None
    except duckdb.IOException as error:
        raise MmwatchError(
            f"cannot open {path} read-only ({error}); another process is writing it: retry when the build ends"
        ) from None
    return [ComplianceRow(*row) for row in rows]


def render_compliance_report(warehouse_path: str | Path, day: str) -> str:
    """The HTML compliance report of `day`: one row per obligation and a summary line."""
    return render_compliance_html(day, load_compliance_rows(warehouse_path, day), str(warehouse_path))


def verdict_counts(rows: list[ComplianceRow]) -> dict[str, int]:
    """Obligations per verdict (pass, fail, insufficient_data)."""
    return {verdict: sum(1 for r in rows if r.verdict == verdict) for verdict in VERDICTS}


def report_context(day: str, rows: list[ComplianceRow], source: str, *, group: str | None = None,
                   month: dict | None = None, uptime_chart: str | None = None, timelines: list | None = None,
                   tz_name: str = "UTC", generated_at: datetime | None = None) -> dict:
    """What the templates print: `month` maps obligation_id to its month to date (an object with
    describe()), `uptime_chart` is an image src, `timelines` objects with `row` and `src`."""
    when = (generated_at or datetime.now(timezone.utc)).astimezone(ZoneInfo(tz_name))
    return dict(day=day, rows=rows, counts=verdict_counts(rows), source=source, group=group, month=month,
                uptime_chart=uptime_chart, timelines=timelines or [], tz_name=tz_name,
                generated_at=when.strftime("%Y-%m-%d %H:%M %Z"))


def render_template(name: str, context: dict) -> str:
    """Render templates/<name>; HTML templates are autoescaped, text ones are not."""
    return environment(autoescape=name.endswith(".html.j2")).get_template(name).render(**context)


def render_compliance_html(day: str, rows: list[ComplianceRow], warehouse: str, **extras) -> str:
    """The report HTML of already loaded rows (autoescaped Jinja2 template); `extras` as report_context."""
    return render_template("compliance.html.j2", report_context(day, rows, f"fct_mm_compliance_daily in {warehouse}", **extras))
