"""The report's charts as PNG bytes (matplotlib, Agg canvas: no display, safe in threads):
uptime by day for the month, and per failing obligation a timeline of spread and depth
against its thresholds with the breach episodes shaded and its market's depth by band over the
day. Values come from mmwatch.report.marts. (The price-level heat map is the evidence pack's chart,
mmwatch.evidence.charts, drawn by mmwatch.evidence.day_heatmap.)"""
from __future__ import annotations

import io
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")  # before any pyplot import elsewhere in the process
from matplotlib import dates as mdates  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from mmwatch.report.compliance import ComplianceRow  # noqa: E402
from mmwatch.report.marts import SNAPSHOT_BANDS, BreachEpisode, DepthBands, MonthToDate, Timeline, chart_band  # noqa: E402

DPI = 100
_BREACH = "#e53935"
_LINES_MAX = 8  # more obligations than this: a heat map instead of lines


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer, pil_kwargs={"compress_level": 3})  # 6 costs ~2x the time for ~10 % less
    return buffer.getvalue()


def _label(row: ComplianceRow) -> str:
    return f"{row.mm_name} · {row.exchange} {row.symbol}"


def uptime_by_day_png(rows: list[ComplianceRow], month: dict[str, MonthToDate], day: str) -> bytes:
    """Daily uptime % of each obligation from the 1st of the month to `day`: lines (≤ 8) or a heat map."""
    figure = Figure(figsize=(9, 3.6 if len(rows) <= _LINES_MAX else 1.2 + 0.22 * len(rows)), dpi=DPI)
    axes = figure.add_subplot()
    last = int(day[8:10])
    if len(rows) <= _LINES_MAX:
        for row in rows:
            days = [d for d in month[row.obligation_id].days if d.uptime_pct is not None]
            axes.plot([d.day.day for d in days], [d.uptime_pct for d in days], marker="o", label=_label(row))
        axes.set_ylabel("uptime %")
        axes.set_ylim(0, 102)
        if rows:
            axes.legend(fontsize=7, loc="lower left")
    else:
        grid = [[float("nan")] * last for _ in rows]
        for i, row in enumerate(rows):
            for d in month[row.obligation_id].days:
                grid[i][d.day.day - 1] = float("nan") if d.uptime_pct is None else d.uptime_pct
        image = axes.imshow(grid, aspect="auto", cmap="RdYlGn", vmin=0, vmax=100,
                            extent=(0.5, last + 0.5, len(rows) - 0.5, -0.5), interpolation="nearest")
        axes.set_yticks(range(len(rows)), [_label(r) for r in rows], fontsize=6)
        figure.colorbar(image, ax=axes, label="uptime %")
    axes.set_xlim(0.5, last + 0.5)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(f"day of {day[:7]} (UTC days; blank = no data)")
    axes.set_title("Uptime by day, month to date", fontsize=10)
    figure.tight_layout()
    return _png(figure)


def _times(ts_ms: list[int], tz: ZoneInfo) -> list[datetime]:
    return [datetime.fromtimestamp(t / 1000, tz=timezone.utc).astimezone(tz) for t in ts_ms]


def timeline_png(row: ComplianceRow, timeline: Timeline, episodes: list[BreachEpisode], tz_name: str) -> bytes:
    """Spread (bps) and depth per side (USD) of the obligation's snapshots against its thresholds,
    breach episodes shaded, times in `tz_name`."""
    tz = ZoneInfo(tz_name)
    figure = Figure(figsize=(9, 4.2), dpi=DPI)
    spread_axes, depth_axes = figure.subplots(2, 1, sharex=True)
    times = _times(timeline.ts, tz)
    spread_axes.plot(times, [float("nan") if v is None else v for v in timeline.spread_bps], lw=0.7, color="#1f5fa8",
                     label="spread")
    spread_axes.axhline(row.max_spread_bps, color=_BREACH, ls="--", lw=1, label=f"max {row.max_spread_bps:g} bps")
    spread_axes.set_ylabel("spread, bps")
    if timeline.band_bps is not None:
        for values, colour, side in ((timeline.depth_bid_usd, "#1a7f37", "bid"), (timeline.depth_ask_usd, "#8e44ad", "ask")):
            depth_axes.plot(times, [float("nan") if v is None else v for v in values], lw=0.7, color=colour, label=side)
        depth_axes.axhline(row.min_depth_usd, color=_BREACH, ls="--", lw=1, label=f"min ${row.min_depth_usd:,.0f}")
        note = "" if timeline.band_bps == row.depth_band_bps else f" (obligation: ±{row.depth_band_bps:g} bps; lower bound)"
        depth_axes.set_ylabel(f"depth ±{timeline.band_bps} bps, USD{note}", fontsize=7)
    else:
        depth_axes.text(0.5, 0.5, f"depth within ±{row.depth_band_bps:g} bps is not in the marts", ha="center",
                        transform=depth_axes.transAxes)
    for episode in episodes:
        start, end = _times([episode.start_ts, max(episode.end_ts, episode.start_ts + 1000)], tz)
        for axes in (spread_axes, depth_axes):
            axes.axvspan(start, end, color=_BREACH, alpha=0.18, lw=0)
    for axes in (spread_axes, depth_axes):
        axes.legend(fontsize=7, loc="upper right")
        axes.grid(alpha=0.3)
    depth_axes.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=tz))
    depth_axes.set_xlabel(f"time ({tz_name}); shaded: breach episodes ({len(episodes)})")
    spread_axes.set_title(f"{_label(row)} — {row.obligation_id}: uptime {row.uptime_pct or 0:.2f} %", fontsize=10)
    figure.subplots_adjust(left=0.09, right=0.98, top=0.92, bottom=0.13, hspace=0.12)
    return _png(figure)


_BAND_SHADES = {10: 0.95, 50: 0.75, 100: 0.55, 200: 0.35}  # alpha: the narrowest band darkest


def depth_by_band_png(row: ComplianceRow, bands: DepthBands, episodes: list[BreachEpisode], tz_name: str) -> bytes:
    """Mean USD depth per minute within 10 / 50 / 100 / 200 bps of the mid (fct_liquidity_minute),
    asks above zero and bids below, the band drawn for the obligation heavier with its minimum per
    side, breach episodes shaded, times in `tz_name`."""
    tz = ZoneInfo(tz_name)
    figure = Figure(figsize=(9, 4.2), dpi=DPI)
    axes = figure.add_subplot()
    times = _times(bands.minute_ms, tz)
    own = chart_band(row.depth_band_bps)
    for band in SNAPSHOT_BANDS:
        width, alpha = (1.6, 1.0) if band == own else (0.8, _BAND_SHADES[band])
        label = f"asks ±{band} bps" + (" (obligation)" if band == own and own == row.depth_band_bps else
                                   " (obligation's: lower bound)" if band == own else "")
        axes.plot(times, [float("nan") if v is None else v for v in bands.ask_usd[band]], color="#8e44ad", lw=width,
                  alpha=alpha, label=label)
        axes.plot(times, [float("nan") if v is None else -v for v in bands.bid_usd[band]], color="#1a7f37", lw=width,
                  alpha=alpha, label="bids (same bands)" if band == own else None)
    for sign in (1, -1):
        axes.axhline(sign * row.min_depth_usd, color=_BREACH, ls="--", lw=1,
                     label=f"min ${row.min_depth_usd:,.0f} per side within ±{row.depth_band_bps:g} bps" if sign > 0 else None)
    axes.axhline(0, color="#56606b", lw=0.6)
    drawn = [abs(v) for side in (bands.bid_usd, bands.ask_usd) for values in side.values() for v in values if v is not None]
    top = max(drawn + [row.min_depth_usd]) * 1.12
    axes.set_ylim(-top, top * 1.4)  # zero in the middle of the sides; room above the asks for the legend
    for episode in episodes:
        start, end = _times([episode.start_ts, max(episode.end_ts, episode.start_ts + 1000)], tz)
        axes.axvspan(start, end, color=_BREACH, alpha=0.15, lw=0)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"${abs(value):,.0f}"))
    axes.set_ylabel("mean depth per minute, USD\n(asks above, bids below)", fontsize=8)
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=tz))
    axes.set_xlabel(f"time ({tz_name}); shaded: breach episodes ({len(episodes)})")
    axes.legend(fontsize=7, loc="upper left", ncols=3)
    axes.grid(alpha=0.3)
    axes.set_title(f"{_label(row)} — {row.obligation_id}: depth by band over the day", fontsize=10)
    figure.subplots_adjust(left=0.12, right=0.98, top=0.92, bottom=0.13)
    return _png(figure)
