"""The dbt marts as Dagster assets, one UTC day per run (the day passed in the environment)."""
from typing import Optional

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from mmwatch.marts.invocation import (OBLIGATIONS_ENV, dbt_env, environment, keep_parse_state, new_target_dir,
                                   prune_target_dirs)
from assets.marts.translator import MmwatchDbtTranslator
from assets.partitions import daily_partitions
from resources.data_dir import DataDirResource
from resources.dbt import dbt_project

# Runs with this tag (intraday_marts_job) append the new snapshots to today's snapshot metrics
# instead of recomputing the day (mmwatch/marts/invocation.py).
TRIGGER_TAG, INTRADAY_TRIGGER = "mmwatch/trigger", "intraday"
# Only one process may write warehouse.duckdb: every asset that opens it runs in this
# pool, limited to one slot (see pipelines/instance.py).
WAREHOUSE_POOL = "warehouse"


class MartsConfig(dg.Config):
    """obligations_csv: an obligations CSV replacing the dbt seed (else env MMWATCH_OBLIGATIONS_CSV);
    checked by mmwatch.obligations before dbt starts, dbt reads the canonical copy."""

    obligations_csv: Optional[str] = None


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    partitions_def=daily_partitions,
    dagster_dbt_translator=MmwatchDbtTranslator(),
    pool=WAREHOUSE_POOL,
    backfill_policy=dg.BackfillPolicy.multi_run(1),  # one dbt build per day (var `day`)
)
def mmwatch_dbt_assets(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, data_dir: DataDirResource, config: MartsConfig
):
    """`dbt build` of the partition's day (MMWATCH_DBT_DAY): staging views, marts for the day,
    dbt tests as checks. Parse state and artifacts: mmwatch/marts/invocation.py."""
    layout = data_dir.data_dir.ensure()
    intraday = context.run.tags.get(TRIGGER_TAG) == INTRADAY_TRIGGER
    # a bad obligations file stops the run here, every problem listed, before dbt starts
    env = dbt_env(layout.root, context.partition_key, config.obligations_csv, append=intraday)
    target = new_target_dir(layout.root, context.run_id)
    try:
        context.log.info(f"dbt build of {context.partition_key}: "
                         + ("intraday, new snapshots appended" if intraday else "the whole day")
                         + f"; obligations checked, dbt reads {env[OBLIGATIONS_ENV]}")
        with environment(env):
            yield from dbt.cli(["build"], context=context, target_path=target).stream()
    finally:
        keep_parse_state(layout.root, target)
        prune_target_dirs(layout.root)
