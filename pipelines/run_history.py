"""The last run of each kind in the Dagster instance — raw (landing -> lake, data sets), marts (dbt
and the HTML report), alerts, publish (PostgreSQL), report (the email) — for `mmwatch status`.

Read-only: the instance of $DAGSTER_HOME (compose: PostgreSQL), else <data>/dagster_home when it
exists; no instance, no runs (nothing is created).
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from mmwatch.settings import DataDir
from mmwatch.status import RunLine

KINDS = ("raw", "marts", "alerts", "publish", "report")
RECENT_RUNS = 500  # newest runs looked through for the last of each kind
_JOB_KINDS = {"raw_ingest_job": "raw", "daily_marts_job": "marts", "publish_marts_job": "publish",
              "report_email_job": "report"}


def kind_of(job_name: str, asset_keys: set[str]) -> str:
    """The kind of a run from the assets it materializes (or, for a whole job, its name)."""
    if not asset_keys:
        return _JOB_KINDS.get(job_name, "raw" if job_name.startswith("raw_") else "other")
    if "report_email" in asset_keys:
        return "report"
    if "alerts_ledger" in asset_keys:
        return "alerts"
    if all(key.startswith("analytics/") for key in asset_keys):
        return "publish"
    if all(key.startswith("raw_") for key in asset_keys):
        return "raw"
    return "marts"


def _instance(data_dir: DataDir) -> dg.DagsterInstance | None:
    home = os.environ.get("DAGSTER_HOME") or (str(data_dir.dagster_home) if data_dir.dagster_home.is_dir() else None)
    if not home or not Path(home).is_dir():
        return None
    os.environ["DAGSTER_HOME"] = home
    return dg.DagsterInstance.get()


def _time(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, timezone.utc)


def last_runs(data_dir: DataDir) -> list[RunLine] | None:
    """The newest run of each kind (kinds never run are left out); None when there is no instance."""
    instance = _instance(data_dir)
    if instance is None:
        return None
    found: dict[str, RunLine] = {}
    with instance:
        for record in instance.get_run_records(limit=RECENT_RUNS):
            run = record.dagster_run
            keys = {key.to_user_string() for key in (run.asset_selection or ())}
            kind = kind_of(run.job_name, keys)
            if kind in KINDS and kind not in found:
                found[kind] = RunLine(kind, run.run_id, run.status.value, _time(record.start_time),
                                      _time(record.end_time))
            if len(found) == len(KINDS):
                break
    return [found[kind] for kind in KINDS if kind in found]
