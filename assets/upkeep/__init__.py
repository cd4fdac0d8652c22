"""Upkeep of the data directory: closed days' raw partitions compacted, landing files the lake holds
dropped after the retention (docs/operations.md). Each runs on its own schedule (pipelines/schedules.py)."""
from assets.upkeep.compaction import lake_compaction
from assets.upkeep.retention import landing_retention

UPKEEP_ASSETS = [lake_compaction, landing_retention]
