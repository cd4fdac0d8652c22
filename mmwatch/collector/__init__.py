"""The collector: polls venues through ccxt and lands order books, trades and fetch errors.

Long-running and outside Dagster: `Collector.run_forever()` on the wall clock,
`Collector.run_cycle(now_ms)` in virtual time (the simulator), and
`simulated_day.collect_virtual_day` for a whole simulated day (cli.simulated_day starts the simulator).
"""
