"""mmwatch's loopback exchange simulator: real ccxt classes talk to it over HTTP.

Venues (ccxt ids, one dialect module each in simulator/dialects): binance, binancecoinm (inverse
perpetuals), binanceusdm, bitget, gate, kucoin, kucoinfutures, okx, bybit; every request lives below
/<venue>/.

Public entry points:
  simulator.scenario.load_scenario(path) -> Scenario      (Scenario.write_obligations_csv(path))
  simulator.market.World(scenario)                        every market model of a scenario
  simulator.datasets.SUPPORTED_DATASETS / supports(venue, market_type, dataset)
  simulator.book.order_book(world, venue, symbol, t_ms, limit) -> Book
  simulator.trades.trades_in_minute / trades_between / trades_before / trades_from_id
  simulator.candles.candle / candles                      OHLCV from the trades
  simulator.ticker.ticker_stats(model, t_ms)              24 h ticker numbers
  simulator.derivatives.funding / mark_price / index_price / open_interest / long_short
  simulator.flows.fund_flow / whale_net_flow              Bitget-style spot fund flows
  simulator.ratelimit.POLICIES / RateLimiter              per-venue budgets
  simulator.faults.FAULTS                                 slow, malformed_json, stale (POST /_sim/fault)
  simulator.truth.TruthRecorder(obligations)              .record(...), .report(), .verdicts(o)
  simulator.sampling.sample(scenario, every_ms)           offline truth for a whole day
  simulator.process.SimulatorProcess / SimulatorThread    run the server (.url, .set_clock, .truth,
                                                          .stats, .set_down, .set_fault)
  simulator.server.make_server(app, host, port)           asyncio HTTP/1.1 (simulator.http_server);
                                                          answers prepared ahead (simulator.prefetch)
  simulator.ccxt_hosts.point_at(exchange, base_url)       aim a ccxt instance at the simulator
  simulator.ccxt_hosts.simulated_exchange(venue, base_url, async_support=False, **config)
"""
