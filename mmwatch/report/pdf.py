"""The report as a PDF (fpdf2, pure Python): summary, obligation table, then the charts.
Text uses matplotlib's bundled DejaVu Sans, so any MM or market name prints (not only Latin-1)."""
from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from mmwatch.report.templating import NO_DATA, bps, duration, pct, usd

_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
HEADER = ("Market maker", "Exchange", "Market", "Verdict", "Uptime", "Bid", "Ask", "Coverage",
          "Spread med / max", "Depth med bid / ask (min)", "Episodes", "Longest", "Month to date")
_WIDTHS = (30, 18, 28, 24, 15, 15, 15, 16, 22, 34, 15, 17, 28)


def _verdict(row) -> str:
    if row.market_has_data is False:
        return f"{row.verdict.replace('_', ' ')}: {NO_DATA}"
    if row.verdict == "insufficient_data":
        return f"insufficient data (coverage < {row.min_coverage_pct:g} %)"
    return row.verdict


def _cells(row, month) -> tuple[str, ...]:
    return (row.mm_name, row.exchange, f"{row.symbol} ({row.market_type})", _verdict(row), pct(row.uptime_pct),
            pct(row.bid_uptime_pct), pct(row.ask_uptime_pct), pct(row.coverage_pct),
            f"{bps(row.median_spread_bps)} / {row.max_spread_bps:g}",
            f"{usd(row.median_depth_bid_usd)} / {usd(row.median_depth_ask_usd)} ({usd(row.min_depth_usd)} ±{row.depth_band_bps:g} bps)",
            str(row.breach_episodes), duration(row.longest_breach_s), month.describe() if month else "—")


def render_pdf(context: dict, images: list[tuple[str, bytes]]) -> bytes:
    """PDF bytes of a report context (mmwatch.report.compliance.report_context) and its chart PNGs
    as (title, bytes)."""
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_font("DejaVu", "", str(_FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(_FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(f"Market-maker compliance {context['day']}")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    group = f" — {context['group']}" if context["group"] else ""
    pdf.cell(0, 9, f"Market-maker compliance — {context['day']} (UTC day){group}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    counts, rows = context["counts"], context["rows"]
    no_data = f" ({context['no_data']} with no data collected for their market)" if context["no_data"] else ""
    pdf.cell(0, 7, f"{len(rows)} obligations: {counts['pass']} passed, {counts['fail']} failed, "
                   f"{counts['insufficient_data']} with insufficient data{no_data}.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    if rows:
        pdf.set_font("DejaVu", "", 6.5)
        month = context["month"] or {}
        with pdf.table(col_widths=_WIDTHS, headings_style=FontFace(emphasis="BOLD", fill_color=(238, 241, 244)),
                       line_height=3.6, text_align="LEFT") as table:
            table.row(HEADER)
            for row in rows:
                table.row(_cells(row, month.get(row.obligation_id)))
    else:
        pdf.cell(0, 7, "No obligation of this group was in force on this day.", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 7)
    pdf.ln(2)
    pdf.multi_cell(0, 4, f"Times in {context['tz_name']}. Source: {context['source']}; generated {context['generated_at']}.")
    for title, png in images:
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
        pdf.image(io.BytesIO(png), w=pdf.epw)
    return bytes(pdf.output())
