"""How often the daemon can tick the sensors that follow new data, a term of the freshness budget
(docs/freshness.md).

`dagster-daemon run` passes over its sensors in loops that start every 5 s: the sensor daemon
(`dagster._daemon.sensor.MIN_INTERVAL_LOOP_TIME`) for `landing_sensor`, the asset daemon
(`dagster._daemon.asset_daemon.MIN_INTERVAL_LOOP_SECONDS`) for the automation sensors. On a pass, a
sensor ticks when the time since its last tick *started* is at least its `minimum_interval_seconds`.
That start is a few ms after the previous pass began, so an interval equal to the period is still
short of it on the next pass, and the sensor ticks on every other pass: every 10 s, measured
(docs/benchmarks.md). An interval under the period ticks on every pass.
"""
DAEMON_PASS_S = 5  # both daemons' loop period (tests/dagster/test_definitions.py checks it against Dagster's)
EVERY_PASS_S = DAEMON_PASS_S - 1  # minimum_interval_seconds of a sensor that should tick on every pass
