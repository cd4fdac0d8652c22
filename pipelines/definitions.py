"""The mmwatch code location: raw lake assets, dbt marts, the report, jobs, the landing sensor."""
import dagster as dg

from assets.compliance_report import compliance_report
from assets.dbt_marts import mmwatch_dbt_assets
from pipelines.jobs import RAW_ASSETS, daily_marts_job, raw_ingest_job
from pipelines.sensors import landing_sensor
from resources import build_resources

defs = dg.Definitions(
    assets=[*RAW_ASSETS, mmwatch_dbt_assets, compliance_report],
    jobs=[raw_ingest_job, daily_marts_job],
    sensors=[landing_sensor],
    resources=build_resources(),
)
