"""The refresh contract between the automation and the dbt side (mmwatch/marts/invocation.py,
MMWATCH_DBT_APPEND): a run of today's UTC partition appends what is new, unless it is tagged
FULL_REBUILD_TAG=true; every other day, and every run so tagged (`mmwatch build`, backfills started
from the CLI), recomputes the day. The day close rebuilds yesterday, which is never today."""
from __future__ import annotations

from collections.abc import Mapping

FULL_REBUILD_TAG = "mmwatch/full_rebuild"
# What a run did, recorded on it (`append` or `full`) for the UI and the tests.
DBT_MODE_TAG = "mmwatch/dbt_mode"


def appends(day: str, run_tags: Mapping[str, str], today: str) -> bool:
    """True when the run of partition `day` appends to today's data instead of recomputing `day`."""
    return day == today and run_tags.get(FULL_REBUILD_TAG) != "true"
