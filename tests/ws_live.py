"""For live stream tests (a ccxt.pro instance against the wall-clock simulator): the instance run
against it, watched trades gathered and compared with the simulator's. Importable from every test
folder (tests/ is on sys.path)."""
from __future__ import annotations

import asyncio

import ccxt.pro

from simulator.ccxt_hosts import ccxt_config, point_at
from simulator.market import World
from simulator.trades import trades_between


def run_with_pro(coroutine_function, venue: str, sim):
    """`coroutine_function(exchange)` run with a ccxt.pro.<venue> aimed at the simulator `sim` (REST and
    WebSocket), closed afterwards; returns what it returns."""
    async def main():
        exchange = point_at(getattr(ccxt.pro, venue)(ccxt_config(venue)), sim.url, ws_base_url=sim.ws_url())
        try:
            return await coroutine_function(exchange)
        finally:
            await exchange.close()
    return asyncio.run(main())


async def distinct_trades(exchange, symbol: str, at_least: int = 2) -> list[dict]:
    """Trades from `exchange.watch_trades(symbol)` until `at_least` distinct ids, in id order."""
    seen: dict[str, dict] = {}
    while len(seen) < at_least:
        seen.update({t["id"]: t for t in await exchange.watch_trades(symbol)})
    return sorted(seen.values(), key=lambda t: int(t["id"]))


def assert_simulators_trades(world: World, venue: str, symbol: str, seen: list[dict]) -> None:
    """`seen` (id order) is every trade the simulator printed from the first to the last one, unaltered."""
    expected = trades_between(world.market(venue, symbol), seen[0]["timestamp"], seen[-1]["timestamp"], 1000)
    assert [(int(t["id"]), t["timestamp"], t["price"], t["amount"], t["side"], t["symbol"]) for t in seen] == [
        (t.id, t.ts, t.price, t.amount, t.side, symbol) for t in expected]
