"""The `mmwatch` command line: one module per command. The top of the house: the only code that starts the pipelines (build, demo) and the exchange simulator (simulator serve, simulate-day, demo)."""
