"""`mmwatch evidence`: one folder per obligation and day with, for each breach episode
(fct_mm_breach_episodes), the snapshots at its start, at its worst and at its end (every level,
exchange and received time, the lake file and row), a depth ladder of the three, a price-level heat
map and the timeline of the surrounding window against the thresholds, and manifest.json with the
SHA-256 of every lake file read (mmwatch.evidence.manifest), so a third party can verify the pack
against the recording.

Choices: the worst snapshot is the non-compliant one of the episode furthest from its terms, by
max(spread / max spread, min depth / bid depth, min depth / ask depth) at the obligation's band
(a one-sided book or a side with no depth is infinitely far; ties: the earliest). The surrounding
window is the episode with half its duration on each side, at least 5 and at most 30 minutes,
inside the UTC day. Size bound: the MAX_DETAILED_EPISODES longest episodes are detailed (the others
are listed in summary.json), and the heat map draws at most MAX_HEATMAP_SNAPSHOTS snapshots
(evenly spaced, the three always among them).
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from mmwatch.days import check_day
from mmwatch.errors import MmwatchError
from mmwatch.evidence import lake_books, warehouse
from mmwatch.evidence.book import shown_time
from mmwatch.evidence.charts import Terms, depth_ladder_png, heatmap_png, timeline_png
from mmwatch.evidence.lake_books import LakeSnapshot, Market, RowRef
from mmwatch.evidence.manifest import FORMAT, MANIFEST, lake_entries, pack_entries
from mmwatch.evidence.pack_index import index_html
from mmwatch.files import write_bytes_atomically, write_text_atomically
from mmwatch.settings import DataDir

EVIDENCE = "evidence"
MAX_DETAILED_EPISODES = 20
MAX_HEATMAP_SNAPSHOTS = 720
PAD_MIN_MS, PAD_MAX_MS = 5 * 60_000, 30 * 60_000
DAY_MS = 86_400_000
TIMELINE_COLUMNS = ("ts", "time_utc", "snapshot_id", "is_two_sided", "mid", "spread_bps", "depth_bid_usd",
                    "depth_ask_usd", "spread_ok", "bid_ok", "ask_ok", "compliant")


class NoEvidence(MmwatchError):
    """The pack cannot be made (unknown obligation, day not built, snapshots gone from the lake)."""


@dataclass(frozen=True)
class PackResult:
    folder: Path
    episodes: int
    detailed: int
    bytes: int


def default_folder(layout: DataDir, obligation_id: str, day: str) -> Path:
    """<data dir>/evidence/<obligation>/<day>/"""
    return layout.root / EVIDENCE / obligation_id / day


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _row_dict(row: dict) -> dict:
    return {key: _plain(value) for key, value in row.items()}


def severity(row: dict, terms: dict) -> float:
    """How far a judged snapshot is from the terms (> 1: out of them); inf for a one-sided book."""
    parts = []
    spread = row["spread_bps"]
    parts.append(math.inf if spread is None else spread / terms["max_spread_bps"])
    for key in ("depth_bid_usd", "depth_ask_usd"):
        depth = row[key]
        parts.append(math.inf if not depth else terms["min_depth_usd"] / depth)
    return max(parts)


def _window(episode: dict, day: str) -> tuple[int, int]:
    start, end = episode["start_ts"], episode["end_ts"]
    pad = min(max((end - start) // 2, PAD_MIN_MS), PAD_MAX_MS)
    day_start = int(datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp() * 1000)
    return max(day_start, start - pad), min(day_start + DAY_MS - 1, end + pad)


def _moments(episode: dict, rows: list[dict], terms: dict) -> dict[str, dict]:
    """The judged rows of the episode's start, worst and end snapshots."""
    breach = [r for r in rows if not r["compliant"] and episode["start_ts"] <= r["ts"] <= episode["last_breach_ts"]]
    ended_by_compliant = episode["ended_by"] == "compliant"
    start = next((r for r in breach if r["ts"] == episode["start_ts"]), None)
    end = next((r for r in rows if r["ts"] == episode["end_ts"] and r["compliant"] == ended_by_compliant), None)
    if start is None or end is None or not breach:
        raise NoEvidence(f"episode {episode['breach_episode_id']}: its snapshots are not in "
                         "int_obligation_snapshots_evaluated: build the day again (`mmwatch build --date "
                         f"{episode['day']}`) and make the pack again")
    worst = max(breach, key=lambda r: (severity(r, terms), -r["ts"]))
    return {"start": start, "worst": worst, "end": end}


def sampled(refs: list[RowRef], keep: set[str]) -> list[RowRef]:
    if len(refs) <= MAX_HEATMAP_SNAPSHOTS:
        return refs
    step = len(refs) / MAX_HEATMAP_SNAPSHOTS
    chosen = {int(i * step) for i in range(MAX_HEATMAP_SNAPSHOTS)}
    return [r for i, r in enumerate(refs) if i in chosen or r.snapshot_id in keep]


def snapshot_document(snapshot: LakeSnapshot, judged: dict, data_dir: Path, moment: str) -> dict:
    """A snapshot as the pack keeps it: every level (base units, from the touch; and as recorded), its
    times, where it lies in the lake and how the obligation judged it."""
    file = snapshot.file.relative_to(data_dir) if snapshot.file.is_relative_to(data_dir) else snapshot.file
    return {
        "moment": moment, "snapshot_id": snapshot.snapshot_id,
        "ts": snapshot.ts, "ts_utc": shown_time(snapshot.ts),
        "exchange_ts": snapshot.exchange_ts, "exchange_ts_utc": shown_time(snapshot.exchange_ts),
        "received_ts": snapshot.received_ts, "received_ts_utc": shown_time(snapshot.received_ts),
        "lake_file": str(file), "lake_row": snapshot.row, "source": snapshot.source,
        "amount_unit": "base", "bids": [list(level) for level in snapshot.bids],
        "asks": [list(level) for level in snapshot.asks],
        "as_recorded": {"contract_size": snapshot.contract_size, "bids": [list(level) for level in snapshot.venue_bids],
                        "asks": [list(level) for level in snapshot.venue_asks]},
        "judgement": _row_dict(judged),
    }


def _timeline_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TIMELINE_COLUMNS)
    for row in rows:
        writer.writerow([row["ts"], shown_time(row["ts"]), *("" if row[c] is None else row[c] for c in TIMELINE_COLUMNS[2:])])
    return buffer.getvalue()


def _episode_files(folder: Path, market: Market, episode: dict, rows: list[dict], terms: dict, layout: DataDir,
                   chart_terms: Terms) -> tuple[dict, list[LakeSnapshot]]:
    """Write one episode's folder; (its summary, the snapshots read)."""
    moments = _moments(episode, rows, terms)
    low, high = _window(episode, str(episode["day"]))
    refs = lake_books.usable_between(layout, market, low, high)
    by_id = {r.snapshot_id: r for r in refs}
    missing = [m["snapshot_id"] for m in moments.values() if m["snapshot_id"] not in by_id]
    if missing:
        raise NoEvidence(f"episode {episode['breach_episode_id']}: snapshot {missing[0]} is no longer in the lake "
                         f"({layout.lake / lake_books.TABLE}): the day was rebuilt or compacted after it was built; run "
                         f"`mmwatch build --date {episode['day']}` and make the pack again")
    keep = {m["snapshot_id"] for m in moments.values()}
    heat_refs = sampled(refs, keep)
    snapshots = lake_books.read_snapshots(heat_refs)
    by_snapshot = {s.snapshot_id: s for s in snapshots}
    judged = {r["snapshot_id"]: r for r in rows}
    folder.mkdir(parents=True, exist_ok=True)
    for name, row in moments.items():
        document = snapshot_document(by_snapshot[row["snapshot_id"]], row, layout.root, name)
        write_text_atomically(folder / f"{name}.json", json.dumps(document, indent=1))
    title = f"{terms['obligation_id']} · {market} · episode {episode['episode_number']}"
    write_bytes_atomically(folder / "depth-ladder.png", depth_ladder_png(
        [(f"{name} ({'compliant' if row['compliant'] else 'breach'})", by_snapshot[row["snapshot_id"]], row["mid"],
          row["usd_rate"] or 1.0) for name, row in moments.items()], chart_terms, f"{title}: depth ladder"))
    mids = [judged.get(s.snapshot_id, {}).get("mid") for s in snapshots]
    rate = next((r["usd_rate"] for r in rows if r["usd_rate"]), 1.0)
    span = (episode["start_ts"], episode["end_ts"])
    write_bytes_atomically(folder / "heatmap.png", heatmap_png(snapshots, mids, chart_terms, [span],
                                                               f"{title}: liquidity by price", rate))
    write_bytes_atomically(folder / "timeline.png", timeline_png(rows, chart_terms, span, f"{title}: against the terms"))
    write_text_atomically(folder / "timeline.csv", _timeline_csv(rows))
    summary = {**_row_dict(episode), "folder": folder.name, "window": [low, high],
               "window_utc": [shown_time(low), shown_time(high)], "window_snapshots": len(refs),
               "heatmap_snapshots": len(heat_refs),
               "moments": {name: {"snapshot_id": row["snapshot_id"], "ts": row["ts"], "ts_utc": shown_time(row["ts"]),
                                  "severity": _plain(severity(row, terms))} for name, row in moments.items()}}
    return summary, snapshots


def _prune_empty(folder: Path, root: Path) -> None:
    """Remove `folder` and its parents while empty, never `root` or above (a failed pack leaves no folders)."""
    while folder != root and folder.is_relative_to(root) and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _compact_numbers(text: str) -> str:
    """Lists of numbers (row numbers, episode bounds) on one line in indented JSON."""
    return re.sub(r"\[\s*(-?\d+(?:,\s*-?\d+)*)\s*\]", lambda m: "[" + ", ".join(m.group(1).replace(",", " ").split()) + "]",
                  text)


def make_pack(layout: DataDir, obligation_id: str, day: str, out: Path | None = None) -> PackResult:
    """Write the pack of `obligation_id` on `day` into `out` (default: default_folder), replacing an
    older one; NoEvidence when the obligation or the day's marts are missing."""
    check_day(day)
    with warehouse.warehouse_connection(layout.warehouse) as con:
        terms = warehouse.obligation_terms(con, obligation_id)
        if terms is None:
            raise NoEvidence(f"obligation {obligation_id!r} is not in dim_obligations of {layout.warehouse}: check the "
                             "id (`mmwatch obligations list`), or build a day with it (`mmwatch build --date D`)")
        daily = warehouse.compliance_day(con, obligation_id, day)
        if daily is None:
            raise NoEvidence(f"{obligation_id} has no verdict on {day} in fct_mm_compliance_daily: build the day "
                             f"(`mmwatch build --date {day}`), or the obligation was not valid that day")
        episodes = warehouse.breach_episodes(con, obligation_id, day)
        detailed = sorted(sorted(episodes, key=lambda e: (-e["duration_s"], e["start_ts"]))[:MAX_DETAILED_EPISODES],
                          key=lambda e: e["start_ts"])
        windows = {e["episode_number"]: warehouse.evaluated_between(con, obligation_id, *_window(e, day))
                   for e in detailed}
    market = Market(terms["exchange"], terms["market_type"], terms["symbol"])
    chart_terms = Terms(terms["depth_band_bps"], terms["min_depth_usd"], terms["max_spread_bps"])
    folder = Path(out) if out else default_folder(layout, obligation_id, day)
    building = folder.with_name(folder.name + ".partial")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    try:
        summaries, rows_by_file = [], {}
        for episode in detailed:
            summary, snapshots = _episode_files(building / f"episode-{episode['episode_number']:03d}", market, episode,
                                                windows[episode["episode_number"]], terms, layout, chart_terms)
            summaries.append(summary)
            for snapshot in snapshots:
                rows_by_file.setdefault(snapshot.file, set()).add(snapshot.row)
        summary = {"obligation_id": obligation_id, "day": day, "market": str(market), "terms": _row_dict(terms),
                   "verdict": _row_dict(daily), "episodes": summaries,
                   "not_detailed": [_row_dict(e) for e in episodes if e not in detailed],
                   "worst_rule": "max(spread / max_spread, min_depth / bid depth, min_depth / ask depth) at the band"}
        write_text_atomically(building / "summary.json", json.dumps(summary, indent=1))
        write_text_atomically(building / "index.html", index_html(summary))
        manifest = {"format": FORMAT, "obligation_id": obligation_id, "day": day, "data_dir": str(layout.root),
                    "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "episodes": [[e["start_ts"], e["end_ts"]] for e in episodes],
                    "lake_files": lake_entries(layout.root, rows_by_file), "pack_files": pack_entries(building)}
        write_text_atomically(building / MANIFEST, _compact_numbers(json.dumps(manifest, indent=1)))
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        _prune_empty(building.parent, layout.root)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    building.rename(folder)
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return PackResult(folder, len(episodes), len(detailed), size)
