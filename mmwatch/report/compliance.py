"""Render the daily compliance report from fct_mm_compliance_daily.

Every number comes from the marts; the warehouse is opened read-only, so a
report never blocks or alters the pipeline's writes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import jinja2

from mmwatch.errors import ConfigError, MmwatchError

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TEMPLATES = Path(__file__).parent / "templates"
VERDICTS = ("pass", "fail", "insufficient_data")

_QUERY = """
select mm_name, exchange, market_type, symbol, obligation_id, verdict,
       uptime_pct, bid_uptime_pct, ask_uptime_pct, coverage_pct,
       breach_episodes, longest_breach_s, breach_minutes,
       max_spread_bps, depth_band_bps, min_depth_usd, min_uptime_pct, min_coverage_pct
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


def check_day(day: str) -> str:
    """`day` if it is a real YYYY-MM-DD date, else a ConfigError saying so."""
    if not _DAY.match(day or ""):
        raise ConfigError(f"date {day!r} is not a UTC day: write it as YYYY-MM-DD, e.g. 2026-11-20")
    try:
        datetime.strptime(day, "%Y-%m-%d")
    except ValueError:
        raise ConfigError(f"date {day!r} does not exist in the calendar: write it as YYYY-MM-DD") from None
    return day


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


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,  # MM and market names are data: always escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: "—" if v is None else f"{v:.2f} %"
    env.filters["num"] = lambda v: "—" if v is None else f"{v:,.0f}"
    env.filters["seconds"] = _duration
    return env


def _duration(seconds: float | None) -> str:
    if seconds is None or seconds == 0:
        return "0 s" if seconds == 0 else "—"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else (f"{minutes} min {secs:02d} s" if minutes else f"{secs} s")


def render_compliance_report(warehouse_path: str | Path, day: str) -> str:
    """The HTML compliance report of `day`: one row per obligation and a summary line."""
    return render_compliance_html(day, load_compliance_rows(warehouse_path, day), str(warehouse_path))


def render_compliance_html(day: str, rows: list[ComplianceRow], warehouse: str) -> str:
    """The report HTML of already loaded rows (autoescaped Jinja2 template)."""
    counts = {verdict: sum(1 for r in rows if r.verdict == verdict) for verdict in VERDICTS}
    template = _environment().get_template("compliance.html.j2")
    return template.render(
        day=day,
        rows=rows,
        counts=counts,
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        warehouse=warehouse,
    )
