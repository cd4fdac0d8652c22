"""Materialization metadata of the raw assets, readable in the Dagster UI."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import dagster as dg

from mmwatch.lake.raw_partition import PartitionOutcome, RawTable
from mmwatch.landing.quarantine import RUNBOOK, Quarantined
from mmwatch.settings import DataDir

_MAX_LISTED_FILES = 200


def _utc(ts_ms: int | None) -> str:
    if ts_ms is None:
        return "-"
    return datetime.fromtimestamp(ts_ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds")


def markdown_table(header: list[str], rows: list[list[Any]]) -> dg.MetadataValue:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return dg.MetadataValue.md("\n".join(lines))


def quarantine_warning(table: RawTable, records: Sequence[Quarantined], data_dir: DataDir) -> str | None:
    """One line for the run's log (and `mmwatch build`'s output) when the run quarantined files."""
    if not records:
        return None
    more = f" (and {len(records) - 1} more: see the run's metadata)" if len(records) > 1 else ""
    return (f"{table.name}: {len(records)} landing file{'s' if len(records) > 1 else ''} moved to "
            f"{data_dir.quarantine}: {records[0].file}: {records[0].reason}{more}; "
            f"{RUNBOOK}")


def _quarantined(records: Sequence[Quarantined]) -> dict[str, Any]:
    return {
        "quarantined_files": dg.MetadataValue.int(len(records)),
        "quarantined_rows": dg.MetadataValue.int(sum(r.rows or 0 for r in records)),
        "quarantined": dg.MetadataValue.json([{"file": r.file, "moved_to": r.moved_to, "rows": r.rows, "reason": r.reason}
                                              for r in records[:_MAX_LISTED_FILES]]),
    }


def raw_metadata(table: RawTable, outcomes: list[PartitionOutcome], lake_root: str,
                 swept: Sequence[Quarantined] = ()) -> dict[str, Any]:
    """Totals over the run's partitions plus a per-partition and per-market breakdown, and the files
    quarantined (by their partition, or `swept`: files of exchanges that are not venues)."""
    files = [f for o in outcomes for f in o.landing_files]
    firsts = [o.first_ts for o in outcomes if o.first_ts is not None]
    lasts = [o.last_ts for o in outcomes if o.last_ts is not None]
    per_market = Counter({f"{o.exchange} {m}": n for o in outcomes for m, n in o.rows_per_market.items()})
    path = outcomes[0].lake_path if len(outcomes) == 1 else lake_root
    metadata: dict[str, Any] = {
        "rows_written": dg.MetadataValue.int(sum(o.rows_written for o in outcomes)),
        "rows_read": dg.MetadataValue.int(sum(o.rows_read for o in outcomes)),
        "duplicates_dropped": dg.MetadataValue.int(
            sum(o.duplicates_in_batch + o.duplicates_in_lake for o in outcomes)
        ),
        "duplicates_already_in_lake": dg.MetadataValue.int(sum(o.duplicates_in_lake for o in outcomes)),
        "first_ts_utc": dg.MetadataValue.text(_utc(min(firsts, default=None))),
        "last_ts_utc": dg.MetadataValue.text(_utc(max(lasts, default=None))),
        "bytes_written": dg.MetadataValue.int(sum(o.bytes_written for o in outcomes)),
        "lake_path": dg.MetadataValue.path(path),
        "landing_files_read": dg.MetadataValue.int(len(files)),
        "landing_files": dg.MetadataValue.json(files[:_MAX_LISTED_FILES]),
        f"{table.row_noun}_per_market": markdown_table(
            ["exchange market", table.row_noun], [[m, n] for m, n in sorted(per_market.items())]
        ),
        "partitions": markdown_table(
            ["partition", "mode", "landing files", "rows read", "rows written", "duplicates", "invalid"],
            [
                [f"{o.day}\\|{o.exchange}", o.mode, len(o.landing_files), o.rows_read, o.rows_written,
                 o.duplicates_in_batch + o.duplicates_in_lake, sum(o.invalid_by_reason.values())]
                for o in outcomes
            ],
        ),
    }
    metadata.update(_quarantined([*swept, *(q for o in outcomes for q in o.quarantined)]))
    if table.name == "raw_orderbooks":
        reasons: Counter[str] = Counter()
        for o in outcomes:
            reasons.update(o.invalid_by_reason)
        metadata["invalid_snapshots"] = dg.MetadataValue.int(sum(reasons.values()))
        metadata["invalid_snapshots_by_reason"] = dg.MetadataValue.json(dict(sorted(reasons.items())))
    return metadata
