"""mmwatch's loopback exchange simulator: real ccxt classes talk to it over HTTP.

Public entry points:
  simulator.scenario.load_scenario(path) -> Scenario      (Scenario.write_obligations_csv(path))
  simulator.market.World(scenario)                        every market model of a scenario
  simulator.book.order_book(world, venue, symbol, t_ms, limit) -> Book
  simulator.trades.trades_in_minute / trades_between / trades_before / trades_from_id
  simulator.truth.TruthRecorder(obligations)              .record(...), .report(), .verdicts(o)
  simulator.sampling.sample(scenario, every_ms)           offline truth for a whole day
  simulator.process.SimulatorProcess / SimulatorThread    run the server (.url, .set_clock, .truth)
  simulator.ccxt_hosts.point_at(exchange, base_url)       aim a ccxt instance at the simulator
"""
