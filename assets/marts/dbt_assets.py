"""The dbt marts as Dagster assets, one UTC day per run (the day passed in the environment)."""
from typing import Optional

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets
from dagster_dbt.dbt_manifest import validate_manifest

from assets.marts.translator import MmwatchDbtTranslator
from assets.partitions import daily_partitions
from assets.refresh import DBT_MODE_TAG, appends
from mmwatch.days import utc_today
from mmwatch.marts.invocation import (OBLIGATIONS_ENV, dbt_env, environment, keep_parse_state, new_target_dir,
                                      prune_target_dirs)
from mmwatch.warehouse_lock import writing
from resources.data_dir import DataDirResource
from resources.dbt import dbt_project

# Only one process may write warehouse.duckdb: every asset that opens it runs in this
# pool, limited to one slot (see pipelines/instance.py); across processes that are not Dagster
# runs of this instance (`mmwatch build`, `mmwatch report`) mmwatch.warehouse_lock keeps the order.
WAREHOUSE_POOL = "warehouse"
# The steps that follow the marts (publishing, the alert ledger) take a free `warehouse` slot before
# a waiting marts refresh: a refresh already queued would otherwise hold them back a whole run.
FOLLOWER_OP_TAGS = {"dagster/priority": "1"}
# The HTML report, the marts run's last step, goes before both: until it ends, the run holds every
# mart partition it built "in progress", and the next refresh of them waits (a follower taking the
# slot between the dbt step and the report kept a refresh waiting 30 s at 200 markets).
MARTS_RUN_TAIL_OP_TAGS = {"dagster/priority": "2"}


TRANSLATOR = MmwatchDbtTranslator()
# The marts' last nodes (the dbt models nothing else reads, the HTML report): `marts_refreshed` reads them
# all, so it ends every marts run (assets/marts/run_end.py).
MARTS_RUN_TAILS = TRANSLATOR.run_tails(validate_manifest(dbt_project.manifest_path))


class MartsConfig(dg.Config):
    """obligations_csv: an obligations CSV replacing the dbt seed (else env MMWATCH_OBLIGATIONS_CSV);
    checked by mmwatch.obligations before dbt starts, dbt reads the canonical copy."""

    obligations_csv: Optional[str] = None


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    partitions_def=daily_partitions,
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_POOL,
    backfill_policy=dg.BackfillPolicy.multi_run(1),  # one dbt build per day (var `day`)
)
def mmwatch_dbt_assets(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, data_dir: DataDirResource, config: MartsConfig
):
    """`dbt build` of the partition's day (MMWATCH_DBT_DAY): staging views, marts for the day,
    dbt tests as checks (not on a refresh of today: the day close runs them). Parse state and
    artifacts: mmwatch/marts/invocation.py."""
    layout = data_dir.data_dir.ensure()
    day = context.partition_key
    append = appends(day, context.run.tags, utc_today().isoformat())  # the refresh contract: assets/refresh.py
    context.instance.add_run_tags(context.run_id, {DBT_MODE_TAG: "append" if append else "full"})
    # a bad obligations file stops the run here, every problem listed, before dbt starts
    env = dbt_env(layout.root, day, config.obligations_csv, append=append)
    target = new_target_dir(layout.root, context.run_id)
    # A refresh of today costs what is new: its dbt tests wait for the day close (and `mmwatch build`),
    # which recompute the day; Dagster selects a run's checks with its assets, dbt decides what runs.
    args = ["build", "--exclude", "resource_type:test"] if append else ["build"]
    try:
        context.log.info(f"dbt build of {day}: " + ("today's new data appended, tests at the day close" if append
                                                    else "the whole day and its tests")
                         + f"; obligations checked, dbt reads {env[OBLIGATIONS_ENV]}")
        # one writer of warehouse.duckdb across processes: waits for `mmwatch build` or readers at work
        with writing(layout.warehouse, "the dbt build", day, on_wait=context.log.info), environment(env):
            yield from dbt.cli(args, context=context, target_path=target).stream()
    finally:
        keep_parse_state(layout.root, target)
        prune_target_dirs(layout.root)
