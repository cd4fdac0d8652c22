"""For live stream tests (a ccxt.pro instance against the wall-clock simulator): watched trades gathered
and compared with the simulator's. Importable from every test folder (tests/ is on sys.path)."""
from __future__ import annotations

from simulator.market import World
from simulator.trades import trades_between


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
