"""index.html of an evidence pack: what a reader opens first (episodes, their charts and snapshot
files, how to verify the pack)."""
from __future__ import annotations

from html import escape


def _seconds(value) -> str:
    value = float(value)
    return f"{value:.0f} s" if value < 120 else f"{value / 60:.1f} min"


def index_html(summary: dict) -> str:
    terms, verdict = summary["terms"], summary["verdict"]
    title = f"Evidence — {summary['obligation_id']} — {summary['day']}"
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">', f"<title>{escape(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1d232b}"
        "table{border-collapse:collapse;font-size:.85rem}td,th{border-bottom:1px solid #d8dde3;padding:.3rem .5rem;"
        "text-align:left}img{max-width:100%;display:block;margin:.5rem 0 1rem}.note{color:#56606b;font-size:.8rem}</style>",
        "</head><body>", f"<h1>{escape(title)}</h1>",
        f"<p>{escape(terms['mm_name'])} on {escape(summary['market'])}: spread ≤ {terms['max_spread_bps']:g} bps, depth ≥ "
        f"${terms['min_depth_usd']:,.0f} per side within {terms['depth_band_bps']:g} bps, uptime ≥ "
        f"{terms['min_uptime_pct']:g} %. Day verdict: <b>{escape(str(verdict['verdict']))}</b> (uptime "
        f"{verdict['uptime_pct'] if verdict['uptime_pct'] is None else round(verdict['uptime_pct'], 2)} %, coverage "
        f"{round(verdict['coverage_pct'], 2)} %), {len(summary['episodes']) + len(summary['not_detailed'])} breach "
        "episodes.</p>",
        "<table><tr><th>episode</th><th>start (UTC)</th><th>end (UTC)</th><th>duration</th><th>ended by</th>"
        "<th>snapshots</th><th>files</th></tr>",
    ]
    for episode in summary["episodes"]:
        folder = escape(episode["folder"])
        files = " ".join(f'<a href="{folder}/{name}">{name}</a>' for name in
                         ("start.json", "worst.json", "end.json", "timeline.csv"))
        moments = episode["moments"]
        parts.append(f"<tr><td>{episode['episode_number']}</td><td>{escape(moments['start']['ts_utc'])}</td>"
                     f"<td>{escape(moments['end']['ts_utc'])}</td>"
                     f"<td>{_seconds(episode['duration_s'])}</td><td>{escape(episode['ended_by'])}</td>"
                     f"<td>{episode['snapshots']}</td><td>{files}</td></tr>")
    parts.append("</table>")
    if summary["not_detailed"]:
        parts.append(f"<p class=\"note\">{len(summary['not_detailed'])} shorter episodes are listed in summary.json "
                     "only (the pack details the longest ones).</p>")
    for episode in summary["episodes"]:
        folder = escape(episode["folder"])
        worst = episode["moments"]["worst"]
        parts += [f"<h2>Episode {episode['episode_number']}: {escape(episode['moments']['start']['ts_utc'])}, "
                  f"{_seconds(episode['duration_s'])}, worst at {escape(worst['ts_utc'])}</h2>",
                  f'<img src="{folder}/depth-ladder.png" alt="Depth ladder at the start, worst and end snapshots">',
                  f'<img src="{folder}/heatmap.png" alt="Liquidity by price around the episode, mid and band drawn">',
                  f'<img src="{folder}/timeline.png" alt="Spread and depth against the thresholds around the episode">']
    parts += ["<p class=\"note\">Every snapshot file gives every level (base units from the touch, and as recorded), "
              "its exchange and received times and its lake file and row. manifest.json lists each lake file read with "
              "its SHA-256: check the pack against the recording with <code>mmwatch evidence verify "
              "&lt;this folder&gt; --data-dir &lt;data directory&gt;</code>. The worst snapshot is the one furthest from "
              f"the terms by {escape(summary['worst_rule'])}.</p>", "</body></html>"]
    return "\n".join(parts)
