"""The files of a month-end statement (mmwatch.report.statement): two CSVs (one row per obligation,
one row per breach episode, numbers as the marts hold them), the HTML, and the PDF Chromium prints
from it. Evidence packs are linked where `mmwatch evidence` writes them:
<data dir>/evidence/<obligation_id>/<day>/."""
from __future__ import annotations

import csv
import io
import os
import re
from datetime import date
from pathlib import Path

from mmwatch.files import write_text_atomically
from mmwatch.report.statement import Statement
from mmwatch.report.templating import environment

OBLIGATION_COLUMNS = (
    "mm_name", "month", "obligation_id", "exchange", "market_type", "symbol", "valid_from", "valid_to",
    "max_spread_bps", "depth_band_bps", "min_depth_usd", "min_uptime_pct", "min_coverage_pct", "min_days_pct",
    "reported_days", "pass_days", "fail_days", "insufficient_data_days", "days_passed_pct", "verdict",
    "mean_daily_uptime_pct", "mean_daily_coverage_pct", "min_daily_coverage_pct", "breach_episodes",
    "longest_breach_s", "failed_days", "insufficient_days", "days_not_built",
)
EPISODE_COLUMNS = (
    "mm_name", "obligation_id", "exchange", "market_type", "symbol", "day", "episode_number", "start_utc", "end_utc",
    "start_ts", "end_ts", "duration_s", "ended_by", "snapshots", "exceeds_alert_after", "evidence",
)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)  # floats as repr: they read back exactly


def _csv(columns: tuple[str, ...], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_cell(row[c]) for c in columns] for row in rows)
    return buffer.getvalue()


def obligations_csv(statement: Statement) -> str:
    rows = []
    for o in statement.obligations:
        rows.append({**o.terms, **{c: getattr(o, c) for c in OBLIGATION_COLUMNS if hasattr(o, c)},
                     "mm_name": statement.mm_name, "month": statement.label,
                     "failed_days": " ".join(d.isoformat() for d in o.days_with("fail")),
                     "insufficient_days": " ".join(d.isoformat() for d in o.days_with("insufficient_data")),
                     "days_not_built": " ".join(d.isoformat() for d in o.not_built(statement.month_days))})
    return _csv(OBLIGATION_COLUMNS, rows)


def episodes_csv(statement: Statement) -> str:
    rows = []
    for o in statement.obligations:
        for e in o.episodes:
            rows.append({**{c: getattr(e, c) for c in EPISODE_COLUMNS if hasattr(e, c)},
                         "mm_name": statement.mm_name, "exchange": o.exchange, "market_type": o.market_type,
                         "symbol": o.symbol, "start_utc": e.start.isoformat(timespec="milliseconds"),
                         "end_utc": e.end.isoformat(timespec="milliseconds")})
    return _csv(EPISODE_COLUMNS, rows)


def render_statement_html(statement: Statement, links: dict[str, str], packs: set[str]) -> str:
    """The statement's HTML; `links` maps each episode's evidence folder to its href, `packs` holds the
    folders that exist."""
    env = environment(autoescape=True)
    return env.get_template("statement.html.j2").render(s=statement, links=links, packs=packs, hms=hms,
                                                              ranges=day_ranges)


def day_ranges(days: list[date]) -> str:
    """[03-01, 03-07, 03-08, 03-09] -> '2026-03-01, 2026-03-07 to 2026-03-09' (days in order)."""
    runs: list[list[date]] = []
    for day in days:
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(r[0].isoformat() if len(r) == 1 else f"{r[0].isoformat()} to {r[-1].isoformat()}" for r in runs)


def hms(seconds: float | None) -> str:
    """7170.5 -> '1:59:30.5', 90 -> '0:01:30': durations to the second (and its fraction) on a statement."""
    if seconds is None:
        return "—"
    whole, fraction = divmod(round(seconds, 3), 1)
    hours, rest = divmod(int(whole), 3600)
    text = f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return text + (f"{fraction:.3f}"[1:].rstrip("0") if fraction else "")


def file_stem(statement: Statement) -> str:
    """statement-<market maker>-<YYYY-MM>, the market maker's name in lower case, a dash between words."""
    slug = re.sub(r"[^a-z0-9]+", "-", statement.mm_name.lower()).strip("-") or "market-maker"
    return f"statement-{slug}-{statement.label}"


def write_statement(statement: Statement, out_dir: Path, data_root: Path, chromium: str | None) -> list[Path]:
    """Write <stem>.csv, <stem>-episodes.csv and <stem>.html into `out_dir`, and <stem>.pdf printed by
    `chromium` (None: no PDF); returns the paths written."""
    from mmwatch.report.chromium import print_pdf

    out_dir.mkdir(parents=True, exist_ok=True)
    stem = file_stem(statement)
    folders = {e.evidence for o in statement.obligations for e in o.episodes}
    links = {f: Path(os.path.relpath(data_root / f, out_dir)).as_posix() + "/" for f in folders}
    packs = {f for f in folders if (data_root / f).is_dir()}
    written = []
    for name, text in ((f"{stem}.csv", obligations_csv(statement)), (f"{stem}-episodes.csv", episodes_csv(statement)),
                       (f"{stem}.html", render_statement_html(statement, links, packs))):
        written.append(write_text_atomically(out_dir / name, text))
    if chromium is not None:
        written.append(print_pdf(out_dir / f"{stem}.html", out_dir / f"{stem}.pdf", chromium))
    return written
