"""The automation's evaluation history, bounded: how long Dagster's record of each automation tick's
evaluation of an asset (the UI's "Automation" history, table asset_daemon_asset_evaluations) is kept.

Dagster keeps every evaluation 30 days and, after every tick of every automation sensor, deletes the
older ones with a query no index serves, so it reads the whole table. mmwatch's marts refresh every
minute: an evaluation of a mart is about 29 KB (its condition's 147 nodes, each with its subset), and
a benchmark at 200 markets stored 170 of them a minute (≈ 12 MB a minute). Kept 30 days, that is
hundreds of GB, read whole every few seconds by the daemon's ticks.

Here an evaluation that requested a run ("why did this run?") is kept `requested_hours` (24: the day
close and the report of the last day), the others `other_hours` (1); both deletes are served by an
index (created once per storage, on the table as Dagster made it) and run at most once a minute per
process. Set in dagster.yaml, under the storage's `config:` as `automation_history:` (pipelines/instance.py
writes the embedded instance's; dagster.yaml at the root is production's).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as db
from dagster import Field, Shape
from dagster._core.storage.schedules.schema import AssetDaemonAssetEvaluationsTable

PURGE_EVERY_S = 60.0
PURGE_BATCH = 2_000  # rows a transaction deletes (60 MB of evaluations): the table is never locked long
PURGE_BUDGET_S = 2.0  # a purge stops after this long; what is left goes at the next one
_PURGE_LOCK = threading.Lock()
INDEXES = {  # name (PostgreSQL keeps 63 characters) -> columns: the two deletes below, a range of one index each
    "idx_asset_daemon_evaluations_create_timestamp": "create_timestamp",
    "idx_asset_daemon_evaluations_requested_created": "num_requested, create_timestamp",
}


@dataclass(frozen=True)
class HistoryRetention:
    requested_hours: float = 24.0  # evaluations that requested a run
    other_hours: float = 1.0  # every other evaluation

    @classmethod
    def config_field(cls) -> Field:
        """The `automation_history:` field of a storage's config (optional; these defaults)."""
        return Field(Shape({
            "requested_hours": Field(float, is_required=False, default_value=cls.requested_hours),
            "other_hours": Field(float, is_required=False, default_value=cls.other_hours),
        }), is_required=False, default_value={}, description=__doc__.split("\n\n")[0])

    @classmethod
    def from_config(cls, config: dict | None) -> HistoryRetention:
        retention = cls(**(config or {}))
        if retention.requested_hours <= 0 or retention.other_hours <= 0:
            raise ValueError(f"automation_history in dagster.yaml: {retention}: both must be more than 0 hours")
        return retention


def _utc(timestamp: float) -> datetime:
    """`timestamp` compared with create_timestamp as Dagster's own purge compares it (an aware UTC time)."""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc)


class BoundedEvaluations:
    """Mixed into a Dagster schedule storage (SqlScheduleStorage: `connect()`), in front of it."""

    retention = HistoryRetention()
    _indexed = False
    _purged_at = float("-inf")

    def bound_evaluations(self, retention: HistoryRetention) -> None:
        self.retention = retention

    def purge_asset_evaluations(self, before: float) -> None:
        """Dagster's purge (everything before `before`) and this retention's, at most every PURGE_EVERY_S."""
        now = time.monotonic()
        with _PURGE_LOCK:
            if now - self._purged_at < PURGE_EVERY_S:
                return
            self._purged_at = now
        self.purge_now(before, time.time())

    def purge_now(self, before: float, now: float, budget_s: float = PURGE_BUDGET_S) -> int:
        """Delete what is past its retention at `now` (epoch s) or before `before`, in transactions of
        PURGE_BATCH rows, for at most about `budget_s` (the rest at the next purge: a history of weeks
        left by Dagster's own purge goes away over a few minutes, without holding up a tick); the rows deleted."""
        table = AssetDaemonAssetEvaluationsTable
        if not self._indexed:
            with self.connect() as conn:
                for name, columns in INDEXES.items():
                    conn.execute(db.text(f"create index if not exists {name} on {table.name} ({columns})"))
            self._indexed = True
        past = [table.c.create_timestamp < _utc(max(before, now - self.retention.requested_hours * 3600)),
                (table.c.num_requested == 0) & (table.c.create_timestamp < _utc(now - self.retention.other_hours * 3600))]
        deadline, deleted = time.monotonic() + budget_s, 0
        for condition in past:
            while True:
                batch = db.select(table.c.id).where(condition).limit(PURGE_BATCH).scalar_subquery()
                with self.connect() as conn:
                    gone = conn.execute(table.delete().where(table.c.id.in_(batch))).rowcount
                deleted += gone
                if gone < PURGE_BATCH or time.monotonic() > deadline:
                    break
            if time.monotonic() > deadline:
                break
        return deleted
