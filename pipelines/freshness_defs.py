"""freshness feature of the code location: today's marts refresh as raw data lands
(intraday_marts_job + intraday_marts_sensor), and the day-close schedule builds yesterday in full."""
import dagster as dg

from pipelines.freshness_jobs import intraday_marts_job
from pipelines.freshness_schedule import close_day_schedule
from pipelines.freshness_sensor import intraday_marts_sensor

defs = dg.Definitions(jobs=[intraday_marts_job], sensors=[intraday_marts_sensor], schedules=[close_day_schedule])
