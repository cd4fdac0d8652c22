"""What went wrong in a dbt invocation, for a one-screen message: the failing nodes with dbt's
message each (from the invocation's run_results.json) and where its full log is.

The invocation's directory is the one mmwatch.marts.invocation.new_target_dir made for the Dagster
run (`<data>/dbt/runs/<time>-<first 8 characters of the run id>/`, dbt.log and artifacts inside).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from mmwatch.marts.invocation import runs_dir

FAILED_STATUSES = ("error", "fail", "runtime error")
MAX_MESSAGE_CHARS = 600


@dataclass(frozen=True)
class FailedNode:
    """A dbt node that did not succeed: `unique_id` (model.mmwatch.fct_x, test.mmwatch...), its
    status (error, fail) and dbt's message."""

    unique_id: str
    status: str
    message: str

    def describe(self) -> str:
        message = " ".join((self.message or "no message").split())
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[:MAX_MESSAGE_CHARS] + " ..."
        return f"{self.unique_id} ({self.status}): {message}"


def invocation_dirs(data_dir: Path, run_id: str) -> list[Path]:
    """The dbt target directories of Dagster run `run_id`, oldest first (one per dbt invocation)."""
    return sorted(p for p in runs_dir(data_dir).glob(f"*-{run_id[:8]}") if p.is_dir())


def failed_nodes(target: Path) -> list[FailedNode]:
    """The nodes of the invocation in `target` whose status is error or fail; [] when dbt wrote no
    run_results.json (it stopped before running any node: a parse or connection error)."""
    results = target / "run_results.json"
    if not results.is_file():
        return []
    return [FailedNode(r["unique_id"], r["status"], r.get("message") or "")
            for r in json.loads(results.read_text())["results"] if r["status"] in FAILED_STATUSES]
