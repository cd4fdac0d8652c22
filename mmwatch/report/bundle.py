"""One group's report for one day: HTML (inline cid images for the email, image files next to the
saved copy), plain text, CSV of the rows, PDF, charts and the email message, written to a folder.

Per failing obligation (the first MAX_BOOK_VIEWS of the table) the report shows its market's order
book: a price-level heat map of the day (mmwatch.evidence.day_heatmap) and depth by band over the
day (fct_liquidity_minute), each a bounded PNG (about 1000 x 460 and 900 x 420 pixels)."""
from __future__ import annotations

import csv
import hashlib
import io
import os
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from mmwatch.files import write_bytes_atomically
from mmwatch.mail.message import Attachment, build_message
from mmwatch.report.charts import depth_by_band_png, timeline_png, uptime_by_day_png
from mmwatch.report.compliance import render_template, report_context
from mmwatch.report.groups import ReportGroup
from mmwatch.report.marts import DayMarts
from mmwatch.report.pdf import render_pdf
from mmwatch.report.templating import verdict_note

# verdict_note: why a day has no verdict (no data collected for this market / coverage below the
# minimum); market_has_data: false when no order book of the market ever landed, empty when unknown
CSV_COLUMNS = ("day", "obligation_id", "mm_name", "exchange", "market_type", "symbol", "verdict", "verdict_note",
               "market_has_data", "uptime_pct",
               "bid_uptime_pct", "ask_uptime_pct", "coverage_pct", "median_spread_bps", "max_spread_bps",
               "median_depth_bid_usd", "median_depth_ask_usd", "min_depth_usd", "depth_band_bps", "min_uptime_pct",
               "min_coverage_pct", "breach_episodes", "longest_breach_s", "breach_minutes",
               "month_pass_days", "month_fail_days", "month_insufficient_data_days", "month_days_passed_pct")
MAX_BOOK_VIEWS = 10  # failing obligations with order-book views in one report (two PNGs of ~0.1-0.3 MB each)


@dataclass
class Chart:
    filename: str
    title: str
    png: bytes

    @property
    def cid(self) -> str:
        return f"{self.filename.removesuffix('.png')}@mmwatch"


@dataclass
class ReportBundle:
    day: str
    group: ReportGroup
    subject: str
    html: str  # for the email: images as cid:
    html_file: str  # the saved copy: images as files next to it
    text: str
    csv_text: str
    pdf: bytes
    charts: list[Chart]
    content_hash: str
    message: EmailMessage
    warnings: list[str] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return f"compliance-{self.day}-{self.group.name}"

    def write(self, folder: Path) -> list[Path]:
        """Write .html, .txt, .csv, .pdf, .eml and the PNGs into `folder` (each via a temporary name)."""
        folder.mkdir(parents=True, exist_ok=True)
        files = {f"{self.stem}.html": self.html_file.encode(), f"{self.stem}.txt": self.text.encode(),
                 f"{self.stem}.csv": self.csv_text.encode(), f"{self.stem}.pdf": self.pdf,
                 f"{self.stem}.eml": self.message.as_bytes(), **{c.filename: c.png for c in self.charts}}
        written = []
        for name, content in files.items():
            path = write_bytes_atomically(folder / name, content)
            written.append(path)
        return written


def csv_rows(marts: DayMarts, rows) -> str:
    """The CSV attachment: one line per obligation, the marts' values at full precision."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        month = marts.month[row.obligation_id]
        values = {**row.__dict__, "day": marts.day, "verdict_note": verdict_note(row),
                  "market_has_data": None if row.market_has_data is None else str(row.market_has_data).lower(),
                  "month_pass_days": month.count("pass"),
                  "month_fail_days": month.count("fail"), "month_insufficient_data_days": month.count("insufficient_data"),
                  "month_days_passed_pct": month.days_passed_pct}
        writer.writerow(["" if values[c] is None else values[c] for c in CSV_COLUMNS])
    return buffer.getvalue()


class ChartCache:
    """PNG bytes by (kind, obligation or group rows, time zone): groups sharing obligations share charts."""

    def __init__(self):
        self._pngs: dict[tuple, bytes] = {}

    def get(self, key: tuple, draw) -> bytes:
        if key not in self._pngs:
            self._pngs[key] = draw()
        return self._pngs[key]


def _evidence_items(failing, evidence: dict | None, folder: Path | None) -> tuple[list[dict], list[dict]]:
    """The evidence packs of the failing rows: (for the email: paths as text, for the saved copy: links
    relative to `folder`)."""
    links = [(row, evidence[row.obligation_id]) for row in failing if evidence and row.obligation_id in evidence]
    as_text = [{"row": row, "link": link, "href": None} for row, link in links]
    linked = [{"row": row, "link": link, "href": None if link.index is None or folder is None else
               Path(os.path.relpath(link.index, folder)).as_posix()} for row, link in links]
    return as_text, linked


def _book_views(failing, marts: DayMarts, heatmaps, tz_name: str, cache: ChartCache) -> list[dict]:
    """Per failing obligation (at most MAX_BOOK_VIEWS): its heat map and depth-by-band charts, or why not."""
    views = []
    for number, row in enumerate(failing[:MAX_BOOK_VIEWS], 1):
        view = {"row": row, "charts": {}, "problems": {}}
        png, problem = heatmaps.png(row.obligation_id, tz_name) if heatmaps else (None, "no lake given to the report")
        if png is None:
            view["problems"]["heatmap"] = problem
        else:
            view["charts"]["heatmap"] = Chart(f"heatmap-{number:02d}.png", f"{row.mm_name} — {row.exchange} {row.symbol}: "
                                              "liquidity by price over the day", png)
        bands = marts.depth_bands.get(row.obligation_id)
        if bands is None or bands.problem:
            view["problems"]["depth"] = bands.problem if bands else "not loaded"
        else:
            view["charts"]["depth"] = Chart(f"depth-bands-{number:02d}.png", f"{row.mm_name} — {row.exchange} {row.symbol}: "
                                            "depth by band over the day", cache.get(
                ("depth-bands", row.obligation_id, tz_name), lambda row=row, bands=bands: depth_by_band_png(
                    row, bands, marts.episodes.get(row.obligation_id, []), tz_name)))
        views.append(view)
    return views


def build_bundle(marts: DayMarts, group: ReportGroup, source: str, sender: str | None = None,
                 cache: ChartCache | None = None, evidence: dict | None = None,
                 folder: Path | None = None, heatmaps=None) -> ReportBundle:
    """Render `group`'s report of `marts.day` (warnings for an empty group; nothing is sent here).
    `evidence`: the packs of failing obligations by id (mmwatch.evidence.report_links), listed in the
    report and linked from the copy saved in `folder`; `heatmaps`: the day's price-level heat maps
    (mmwatch.evidence.day_heatmap.DayHeatmaps), None when the report has no lake."""
    cache = cache or ChartCache()
    rows = [r for r in marts.rows if group.filter.matches(r)]
    warnings = []
    if not rows:
        warnings.append(f"group {group.name!r}: no obligation of {marts.day} matches its filter; the report is empty")
    if not group.recipients:
        warnings.append(f"group {group.name!r} has no recipients: the report is written but not sent")
    charts = []
    if rows:
        ids = tuple(r.obligation_id for r in rows)
        charts.append(Chart("uptime-by-day.png", "Uptime by day, month to date",
                            cache.get(("uptime", ids), lambda: uptime_by_day_png(rows, marts.month, marts.day))))
    failing = [r for r in rows if r.verdict == "fail"]
    for number, row in enumerate(failing, 1):
        png = cache.get(("timeline", row.obligation_id, group.timezone), lambda row=row: timeline_png(
            row, marts.timelines[row.obligation_id], marts.episodes.get(row.obligation_id, []), group.timezone))
        charts.append(Chart(f"timeline-{number:02d}.png", f"{row.mm_name} — {row.exchange} {row.symbol}: spread and depth", png))
    timeline_charts = charts[1:]
    book_views = _book_views(failing, marts, heatmaps, group.timezone, cache)
    charts += [chart for view in book_views for chart in view["charts"].values()]

    evidence_text, evidence_linked = _evidence_items(failing, evidence, folder)

    def html(src, evidence_items) -> str:
        timelines = [{"row": row, "src": src(chart)} for row, chart in zip(failing, timeline_charts)]
        views = [{**view, "src": {kind: src(chart) for kind, chart in view["charts"].items()}} for view in book_views]
        return render_template("compliance.html.j2", {**context, "uptime_chart": src(charts[0]) if charts else None,
                                                      "timelines": timelines, "evidence": evidence_items,
                                                      "book_views": views, "book_views_left": failing[MAX_BOOK_VIEWS:]})

    context = report_context(marts.day, rows, source, group=group.name, month=marts.month, tz_name=group.timezone)
    context["evidence"] = evidence_text
    csv_text = csv_rows(marts, rows)
    counts = context["counts"]
    subject = (f"MM compliance {marts.day} — {group.name}: {counts['pass']} passed, {counts['fail']} failed, "
               f"{counts['insufficient_data']} insufficient data")
    text = render_template("compliance.txt.j2", context)
    pdf = render_pdf(context, [(c.title, c.png) for c in charts])
    email_html = html(lambda c: f"cid:{c.cid}", evidence_text)
    stem = f"compliance-{marts.day}-{group.name}"
    message = build_message(
        subject=subject, recipients=group.recipients, text=text, html=email_html, sender=sender,
        inline_images={c.cid: c.png for c in charts},
        attachments=[Attachment(f"{stem}.csv", csv_text.encode(), "text/csv"),
                     Attachment(f"{stem}.pdf", pdf, "application/pdf")])
    digest = hashlib.sha256("\n".join([marts.day, group.name, ",".join(sorted(group.recipients)), csv_text]).encode())
    return ReportBundle(marts.day, group, subject, email_html, html(lambda c: c.filename, evidence_linked), text, csv_text, pdf,
                        charts, digest.hexdigest(), message, warnings)
