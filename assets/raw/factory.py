"""One factory for the three raw assets (they differ only in their RawTable)."""

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg

from assets.freshness import freshness_of
from assets.partitions import day_exchange_partitions, split_key
from assets.raw.lake_check import lake_schema_check, lake_schema_result, selected
from assets.raw.metadata import quarantine_warning, raw_metadata
from mmwatch.errors import ConfigError
from mmwatch.lake.dropped_landing import was_dropped
from mmwatch.lake.raw_partition import RawTable, materialize_partition
from mmwatch.lake.validation import LakeSchemaError
from mmwatch.landing.quarantine import is_quarantined, quarantine_unknown_venues
from mmwatch.landing.zone import LandingFile
from mmwatch.settings import DataDir
from resources.data_dir import DataDirResource

PARTITION_WORKERS = 2  # partitions of one run materialized at a time


class RawIngestConfig(dg.Config):
    """Run config of a raw asset.

    landing_files: paths (absolute, or relative to the data directory) to
    append to their partitions; empty = rebuild every partition of the run
    from all of its landing files.
    """

    landing_files: list[str] = []


def _files_by_partition(
    table: RawTable, data_dir: DataDir, paths: list[str], partitions: list[tuple[str, str]]
) -> dict[tuple[str, str], list[LandingFile]]:
    grouped: dict[tuple[str, str], list[LandingFile]] = defaultdict(list)
    for raw in paths:
        path = Path(raw) if Path(raw).is_absolute() else data_dir.root / raw
        landing = LandingFile.parse(path)
        if landing is None or landing.dataset != table.dataset:
            raise ConfigError(
                f"{table.name}: {raw} is not a landing file of data set {table.dataset!r} "
                f"(expected landing/{table.dataset}/day=D/exchange=X/<arrival_ns>-<source>-<rand>.parquet)"
            )
        if not path.exists() and is_quarantined(data_dir, path):
            continue  # quarantined by an earlier attempt of this batch
        if not path.exists() and was_dropped(data_dir, table.name, path, landing.day, landing.exchange):
            continue  # dropped by the landing retention once the lake held its rows
        if not path.exists():
            raise ConfigError(f"{table.name}: landing file {path} does not exist (landing files are deleted only by "
                              f"the landing retention, once the lake holds their rows, and this one was not)")
        if (landing.day, landing.exchange) not in partitions:
            raise ConfigError(
                f"{table.name}: landing file {raw} belongs to partition {landing.day}|{landing.exchange}, "
                f"which this run does not cover; launch a run over that partition"
            )
        grouped[(landing.day, landing.exchange)].append(landing)
    return grouped


def build_raw_asset(table: RawTable, description: str) -> dg.AssetsDefinition:
    """The Dagster asset that materializes `table` over a range of day x exchange partitions, with
    the lake-schema check (a partition whose rows break the schema is not written: the others are)."""

    @dg.asset(
        name=table.name,
        description=description,
        partitions_def=day_exchange_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        group_name="raw",
        kinds={"polars", "parquet"},
        check_specs=[lake_schema_check(table.name)],
        freshness_policy=freshness_of([table.name]),
    )
    def raw_asset(
        context: dg.AssetExecutionContext, config: RawIngestConfig, data_dir: DataDirResource
    ) -> dg.MaterializeResult:
        layout = data_dir.data_dir
        partitions = [split_key(key) for key in context.partition_keys]
        given = _files_by_partition(table, layout, config.landing_files, partitions) if config.landing_files else None
        work = [(day, exchange, None if given is None else given.get((day, exchange), []))
                for day, exchange in partitions]
        work = [item for item in work if item[2] != []]  # [] = nothing new for this partition in this batch
        outcomes, failures = [], {}

        def materialize(item):
            try:
                return materialize_partition(table, layout, *item)
            except LakeSchemaError as error:
                return error

        # Partitions are independent (own landing files, own lake folder): two at a time.
        with ThreadPoolExecutor(max_workers=PARTITION_WORKERS, thread_name_prefix="raw-partition") as pool:
            for (day, exchange, _), outcome in zip(work, pool.map(materialize, work)):
                if isinstance(outcome, LakeSchemaError):
                    failures[f"{day}|{exchange}"] = str(outcome)
                    context.log.error(f"{table.name} {day}|{exchange} not written: {outcome}")
                    continue
                context.log.info(
                    f"{table.name} {outcome.day}|{outcome.exchange} ({outcome.mode}): {outcome.rows_written} "
                    f"rows written from {len(outcome.landing_files)} landing files"
                )
                outcomes.append(outcome)
        swept = quarantine_unknown_venues(layout, table.dataset, {day for day, _ in partitions})
        metadata = raw_metadata(table, outcomes, str(layout.lake_dir(table.name)), swept)
        if warning := quarantine_warning(table, [*swept, *(q for o in outcomes for q in o.quarantined)], layout):
            context.log.warning(warning)
        if not selected(context, table.name):  # no check to report it: the run fails as the write did
            if failures:
                raise LakeSchemaError("\n".join(failures.values()))
            return dg.MaterializeResult(metadata=metadata)
        return dg.MaterializeResult(metadata=metadata, check_results=[
            lake_schema_result(table.name, [f"{d}|{x}" for d, x, _ in work], failures)])

    return raw_asset
