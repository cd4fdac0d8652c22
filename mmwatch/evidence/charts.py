"""The evidence charts as PNG bytes (matplotlib, Agg canvas): a depth ladder of one or more
snapshots, a price-level heat map of a window (liquidity by price over time, the mid and the
obligation's band drawn, the breach shaded) and an episode's timeline against the thresholds.

Everything drawn is a lake level (base units, from mmwatch.evidence.lake_books) or a mart value
(mid, spread, depth at the obligation's band); the charts only accumulate levels for display."""
from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")  # before any pyplot import elsewhere in the process
from matplotlib import dates as mdates  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from mmwatch.evidence.lake_books import LakeSnapshot  # noqa: E402

DPI = 100
PRICE_BINS = 160
_BID, _ASK, _BREACH, _BAND, _MID = "#1a7f37", "#8e44ad", "#e53935", "#f39c12", "#1f5fa8"


@dataclass(frozen=True)
class Terms:
    """What the charts draw of an obligation: its band, minimum depth per side and maximum spread."""

    depth_band_bps: float
    min_depth_usd: float
    max_spread_bps: float


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer, pil_kwargs={"compress_level": 6})
    return buffer.getvalue()


def _when(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).replace(tzinfo=None)


def _cumulative(levels: Sequence[tuple[float, float]], usd_rate: float) -> tuple[list[float], list[float]]:
    """(prices, cumulative USD notional from the touch) as a step outline."""
    prices, totals, total = [], [], 0.0
    for price, amount in levels:
        prices += [price, price]
        totals += [total, total + price * amount * usd_rate]
        total += price * amount * usd_rate
    return prices, totals


def depth_ladder_png(panels: Sequence[tuple[str, LakeSnapshot, float | None, float]], terms: Terms | None,
                     title: str) -> bytes:
    """One panel per (label, snapshot, mid, usd_rate): cumulative USD depth from the touch by price,
    bids and asks, the mid and the obligation's band bounds (dashed) and its minimum depth."""
    figure = Figure(figsize=(4.2 * len(panels), 3.8), dpi=DPI)
    figure.suptitle(title, fontsize=9)
    for index, (label, snapshot, mid, rate) in enumerate(panels):
        axes = figure.add_subplot(1, len(panels), index + 1)
        for levels, colour, side in ((snapshot.bids, _BID, "bids"), (snapshot.asks, _ASK, "asks")):
            if levels:
                prices, totals = _cumulative(levels, rate)
                axes.fill_between(prices, totals, step=None, color=colour, alpha=0.35, label=f"{side} ({len(levels)})")
                axes.plot(prices, totals, color=colour, lw=0.9)
        if mid is not None:
            axes.axvline(mid, color=_MID, lw=0.8, label="mid")
            if terms is not None:
                for bound in (mid * (1 - terms.depth_band_bps / 10_000), mid * (1 + terms.depth_band_bps / 10_000)):
                    axes.axvline(bound, color=_BAND, ls="--", lw=1)
                axes.axvspan(mid * (1 - terms.depth_band_bps / 10_000), mid * (1 + terms.depth_band_bps / 10_000),
                             color=_BAND, alpha=0.08, label=f"band ±{terms.depth_band_bps:g} bps")
                lo, hi = mid * (1 - 4 * terms.depth_band_bps / 10_000), mid * (1 + 4 * terms.depth_band_bps / 10_000)
                axes.set_xlim(lo, hi)
                shown = [total for levels in (snapshot.bids, snapshot.asks)
                         for price, total in zip(*_cumulative(levels, rate)) if lo <= price <= hi]
                axes.set_ylim(0, 1.15 * max(shown + [terms.min_depth_usd]))
        if terms is not None:
            axes.axhline(terms.min_depth_usd, color=_BREACH, ls=":", lw=1, label=f"min ${terms.min_depth_usd:,.0f}")
        axes.set_title(f"{label}\n{_when(snapshot.ts):%H:%M:%S.%f}"[:-3], fontsize=8)
        axes.set_xlabel("price", fontsize=7)
        axes.set_ylabel("cumulative depth from the touch (USD)", fontsize=7)
        axes.tick_params(labelsize=6)
        axes.ticklabel_format(axis="x", useOffset=False, style="plain")
        axes.legend(fontsize=6, loc="upper center")
    figure.tight_layout()
    return _png(figure)


def heatmap_png(snapshots: Sequence[LakeSnapshot], mids: Sequence[float | None], terms: Terms | None,
                breaches: Sequence[tuple[int, int]], title: str, usd_rate: float = 1.0, tz_name: str = "UTC") -> bytes:
    """Liquidity by price over time: each snapshot a column, each price bin coloured by the USD
    notional resting there (log scale), with the mid, the band around it and the breaches marked.
    Prices shown: 3 bands (at least 30 bps) around the median mid, widened to hold every mid with
    half that margin (a day whose price moved); times in `tz_name`."""
    known = [m for m in mids if m is not None]
    centre = sorted(known)[len(known) // 2] if known else None
    if centre is None:
        prices = [p for s in snapshots for p, _ in s.bids[:1] + s.asks[:1]]
        centre = sum(prices) / len(prices) if prices else 1.0
    half = max(3 * (terms.depth_band_bps if terms else 50), 30) / 10_000
    low, high = centre * (1 - half), centre * (1 + half)
    if known:
        low, high = min(low, min(known) * (1 - half / 2)), max(high, max(known) * (1 + half / 2))
    step = (high - low) / PRICE_BINS
    grid = [[math.nan] * max(len(snapshots), 1) for _ in range(PRICE_BINS)]
    for column, snapshot in enumerate(snapshots):
        for price, amount in snapshot.bids + snapshot.asks:
            row = int((price - low) / step)
            if 0 <= row < PRICE_BINS:
                value = price * amount * usd_rate
                grid[row][column] = value if math.isnan(grid[row][column]) else grid[row][column] + value
    times = [s.ts for s in snapshots] or [0]
    edges = _edges(times)
    figure = Figure(figsize=(10, 4.6), dpi=DPI)
    axes = figure.add_subplot()
    values = [v for row in grid for v in row if not math.isnan(v) and v > 0]
    norm = LogNorm(vmin=min(values), vmax=max(values)) if values and min(values) < max(values) else None
    mesh = axes.pcolormesh([_when(t) for t in edges], [low + i * step for i in range(PRICE_BINS + 1)], grid,
                           cmap="viridis", norm=norm, shading="flat")
    figure.colorbar(mesh, ax=axes, label="USD resting in the price bin")
    points = [(_when(s.ts), m) for s, m in zip(snapshots, mids) if m is not None]
    if points:
        axes.plot([p[0] for p in points], [p[1] for p in points], color="black", lw=1.0, label="mid")
        if terms is not None:
            for sign in (-1, 1):
                axes.plot([p[0] for p in points], [p[1] * (1 + sign * terms.depth_band_bps / 10_000) for p in points],
                          color=_BAND, lw=1, ls="--", label=f"band ±{terms.depth_band_bps:g} bps" if sign < 0 else None)
    for number, breach in enumerate(breaches):  # marked at its bounds and along the bottom: the levels stay readable
        for bound in breach:
            axes.axvline(_when(bound), color=_BREACH, lw=1.2 if len(breaches) == 1 else 0.6, ls="--")
        axes.axvspan(_when(breach[0]), _when(max(breach[1], breach[0] + 1)), ymin=0, ymax=0.025, color=_BREACH,
                     label=None if number else ("breach episode" if len(breaches) == 1 else f"breach episodes ({len(breaches)})"))
    axes.set_ylim(low, high)
    axes.set_title(title, fontsize=9)
    axes.set_ylabel("price", fontsize=8)
    axes.set_xlabel(tz_name, fontsize=8)
    axes.ticklabel_format(axis="y", useOffset=False, style="plain")
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=ZoneInfo(tz_name)))
    axes.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    return _png(figure)


def _edges(times: Sequence[int]) -> list[int]:
    """Column edges halfway between snapshots (the first and last as wide as their neighbour)."""
    if len(times) == 1:
        return [times[0] - 5_000, times[0] + 5_000]
    middles = [(a + b) // 2 for a, b in zip(times, times[1:])]
    return [2 * times[0] - middles[0], *middles, 2 * times[-1] - middles[-1]]


def timeline_png(rows: Sequence[dict], terms: Terms, breach: tuple[int, int] | None, title: str) -> bytes:
    """The obligation's judged snapshots of the window (int_obligation_snapshots_evaluated rows):
    spread against the maximum, depth per side at the band against the minimum, non-compliant
    snapshots marked, the episode shaded."""
    figure = Figure(figsize=(10, 4.8), dpi=DPI)
    spread_axes, depth_axes = figure.add_subplot(2, 1, 1), figure.add_subplot(2, 1, 2)
    times = [_when(r["ts"]) for r in rows]
    nan = float("nan")
    spread_axes.plot(times, [nan if r["spread_bps"] is None else r["spread_bps"] for r in rows], lw=0.8, color=_MID,
                     marker=".", ms=2, label="spread bps")
    spread_axes.axhline(terms.max_spread_bps, color=_BREACH, ls="--", lw=1, label=f"max {terms.max_spread_bps:g} bps")
    for key, colour, side in (("depth_bid_usd", _BID, "bid"), ("depth_ask_usd", _ASK, "ask")):
        depth_axes.plot(times, [nan if r[key] is None else r[key] for r in rows], lw=0.8, color=colour, marker=".", ms=2,
                        label=f"{side} depth within {terms.depth_band_bps:g} bps (USD)")
    depth_axes.axhline(terms.min_depth_usd, color=_BREACH, ls="--", lw=1, label=f"min ${terms.min_depth_usd:,.0f}")
    failed = [(t, r) for t, r in zip(times, rows) if not r["compliant"]]
    if failed:
        spread_axes.plot([t for t, _ in failed], [nan if r["spread_bps"] is None else r["spread_bps"] for _, r in failed],
                         ls="none", marker="x", ms=4, color=_BREACH, label="non-compliant")
    for axes in (spread_axes, depth_axes):
        if breach is not None:
            axes.axvspan(_when(breach[0]), _when(max(breach[1], breach[0] + 1)), color=_BREACH, alpha=0.15)
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
        axes.tick_params(labelsize=7)
        axes.legend(fontsize=7, loc="upper left")
    spread_axes.set_title(title, fontsize=9)
    depth_axes.set_xlabel("UTC", fontsize=8)
    figure.tight_layout()
    return _png(figure)
