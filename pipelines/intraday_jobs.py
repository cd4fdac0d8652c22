"""intraday_marts_job: the fast subset of the dbt marts that the current UTC day refreshes as data lands.

The subset is the order-book snapshot metrics and the market-maker compliance marts (daily verdicts
and breach episodes, which the alerts read), with the staging views and seeds they read (cheap, and
they make a fresh warehouse work), without the dbt tests. Everything else (liquidity, trade flow, cross-venue, derivatives,
risk, indicators, coverage) and the HTML report are built by daily_marts_job: the day-close schedule,
`mmwatch build` or a backfill.
"""
import dagster as dg

from assets.marts.dbt_assets import INTRADAY_TRIGGER, TRIGGER_TAG, mmwatch_dbt_assets
from assets.partitions import daily_partitions

# The marts an intraday run builds for today (their dbt tests run as asset checks).
INTRADAY_MARTS: tuple[str, ...] = ("fct_orderbook_snapshot_metrics", "fct_mm_breach_episodes", "fct_mm_compliance_daily")

# Models only: the dbt tests (asset checks) cost more than the models on a small day and some read
# marts outside the subset (dim_obligations); the daily build runs them all.
intraday_selection = (
    dg.AssetSelection.assets(*INTRADAY_MARTS).upstream() & dg.AssetSelection.assets(mmwatch_dbt_assets)
).without_checks()

intraday_marts_job = dg.define_asset_job(
    "intraday_marts_job",
    selection=intraday_selection,
    partitions_def=daily_partitions,
    description="Today's snapshot metrics (new snapshots appended) and compliance marts (dbt, day = the partition), "
    "requested by intraday_marts_sensor after raw runs of today; no report.",
    executor_def=dg.in_process_executor,
    tags={TRIGGER_TAG: INTRADAY_TRIGGER},  # appends new snapshots to today's snapshot metrics
)
