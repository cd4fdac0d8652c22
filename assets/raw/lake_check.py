"""The pandera lake validation (mmwatch/lake/validation.py) as an asset check of every lake asset.

The rows are validated before they are written, so a batch that breaks the lake schema never enters
the lake: its partition is left as it was and named in the check's metadata. The check is blocking:
its failure fails the run (the run-failure sensor tells the data route), and no mart reads the
table's partitions until a later run of the table passes it (assets/conditions.py).
"""
from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

LAKE_SCHEMA_CHECK = "lake_schema"


def lake_schema_check(table: str) -> dg.AssetCheckSpec:
    """The check spec of lake table `table`."""
    return dg.AssetCheckSpec(
        LAKE_SCHEMA_CHECK, asset=table, blocking=True,
        description="Every row written by the run passed the lake schema (columns, types, nullability, "
                    "allowed values, unique keys); a failing partition was not written.")


def lake_schema_result(table: str, partitions: Sequence[str], failures: dict[str, str]) -> dg.AssetCheckResult:
    """The outcome over the run's `partitions`; `failures`: partition -> what broke the schema."""
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(table), check_name=LAKE_SCHEMA_CHECK, passed=not failures,
        severity=dg.AssetCheckSeverity.ERROR,
        description=None if not failures else f"{len(failures)} of {len(partitions)} partitions not written: "
                                              f"their rows break the lake schema",
        metadata={"partitions_checked": dg.MetadataValue.int(len(partitions)),
                  "partitions_failed": dg.MetadataValue.json(failures)})


def selected(context: dg.AssetExecutionContext, table: str) -> bool:
    """Whether the run selected the check of `table` (a run may select the asset alone)."""
    return dg.AssetCheckKey(dg.AssetKey(table), LAKE_SCHEMA_CHECK) in context.selected_asset_check_keys
