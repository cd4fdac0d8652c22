"""The mmwatch code location: every domain's assets, the jobs, the automation sensors, the landing,
run-failure, heartbeat and freshness sensors, the data-set schedules and the resources, gathered here and defined elsewhere."""
import dagster as dg

from assets.alerts import ALERT_ASSETS
from assets.market_data import DATASET_ASSETS
from assets.marts import MART_ASSETS
from assets.raw import RAW_ASSETS
from assets.report import REPORT_ASSETS
from assets.serving import SERVING_ASSETS
from assets.upkeep import UPKEEP_ASSETS
from pipelines.automation import AUTOMATION_SENSORS
from pipelines.health_sensors import freshness_sensor, heartbeat_sensor
from pipelines.jobs import JOBS
from pipelines.run_workers import install_run_workers
from pipelines.schedules import dataset_schedules, upkeep_schedules
from pipelines.sensors import landing_sensor, run_failure_sensor
from resources import build_resources

defs = dg.Definitions(
    assets=[*RAW_ASSETS, *DATASET_ASSETS, *MART_ASSETS, *REPORT_ASSETS, *ALERT_ASSETS, *SERVING_ASSETS, *UPKEEP_ASSETS],
    jobs=JOBS,
    sensors=[landing_sensor, run_failure_sensor, heartbeat_sensor, freshness_sensor, *AUTOMATION_SENSORS],
    schedules=[*dataset_schedules(), *upkeep_schedules()],
    resources=build_resources(),
    # the runs the automation sensors request run every step in the run's own process, as the jobs do:
    # a step subprocess would load the code location again (4-5 s) before dbt starts
    executor=dg.in_process_executor,
)

# in the code server: its runs are forked from a process with this module loaded (pipelines/run_workers.py)
install_run_workers()
