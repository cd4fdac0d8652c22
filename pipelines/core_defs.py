"""The core of the code location: raw lake assets, data-set assets, dbt marts, the HTML report,
serving, jobs, the landing sensor and the data-set schedules."""
import dagster as dg

from assets.report.compliance_html import compliance_report
from assets.marts.dbt_assets import mmwatch_dbt_assets
from resources.market_data import MarketDataResource
from assets.serving.published import published_marts
from pipelines.publish_sensor import publish_after_marts
from pipelines.jobs import DATASET_ASSETS, RAW_ASSETS, daily_marts_job, dataset_jobs, publish_marts_job, raw_ingest_job
from pipelines.schedules import dataset_schedules
from pipelines.sensors import landing_sensor
from resources import build_resources

defs = dg.Definitions(
    assets=[*RAW_ASSETS, *DATASET_ASSETS, mmwatch_dbt_assets, compliance_report, published_marts],
    jobs=[raw_ingest_job, daily_marts_job, publish_marts_job, *dataset_jobs.values()],
    sensors=[landing_sensor, publish_after_marts],
    schedules=dataset_schedules(),
    resources={**build_resources(), "market_data": MarketDataResource()},
)
