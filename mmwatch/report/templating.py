"""The Jinja2 environment of the report templates and the number formats and wording they share
(HTML, plain text, CSV and PDF print the same strings)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).parent / "templates"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} %"


def num(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def usd(value: float | None) -> str:
    """$ amounts compactly: $950, $62.1k, $1.25M."""
    if value is None:
        return "—"
    value = float(value)
    if abs(value) >= 1e6:
        return f"${value / 1e6:,.2f}M"
    return f"${value / 1e3:,.1f}k" if abs(value) >= 1e3 else f"${value:,.0f}"


def bps(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} bps"


def duration(seconds: float | None) -> str:
    """3725 -> '1 h 02 min', 185 -> '3 min 05 s', 0 -> '0 s'."""
    if seconds is None:
        return "—"
    if seconds == 0:
        return "0 s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else (f"{minutes} min {secs:02d} s" if minutes else f"{secs} s")


NO_DATA = "no data collected for this market"


def verdict_note(row) -> str | None:
    """Why an obligation's day has no verdict, or None when it has one: its market never landed
    an order book (dim_obligations.market_has_data false; the verdict stays insufficient_data, spec
    §3), or its coverage is below the obligation's minimum."""
    if row.market_has_data is False:
        return f"{NO_DATA} (no order book of {row.exchange} {row.symbol} ({row.market_type}) has ever landed)"
    if row.verdict == "insufficient_data":
        return f"coverage {pct(row.coverage_pct)} is below the required {pct(row.min_coverage_pct)}"
    return None


@lru_cache(maxsize=2)
def environment(autoescape: bool = True) -> jinja2.Environment:
    """Templates of mmwatch/report/templates; autoescape on for HTML (MM and market names are data)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(pct=pct, num=num, usd=usd, bps=bps, seconds=duration, verdict_note=verdict_note)
    return env
