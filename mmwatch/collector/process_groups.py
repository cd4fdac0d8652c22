"""The venues of one collection config split between collector processes (config `processes`).

One process runs one event loop, and one event loop handles every WebSocket message of its venues on
one core: at 200 streamed markets a venue that sends a message per changed level (KuCoin futures,
~13,000 messages/s) kept the loop busy all the time on a slower machine, and the books of every venue
it shared the loop with were sampled seconds old (docs/benchmarks.md 'Issue 17'). Split between
processes, each venue's messages wait only behind those of the venues in its own process.

Whole venues go to a process (a venue's request budget is then counted in one place), by expected
load, heaviest first to the least loaded process (longest-processing-time first): a streamed market
weighs one message per update, or one per level and side on a per-level venue; a polled market weighs
a tenth of a streamed one.
"""
from __future__ import annotations

from mmwatch.collector.stream_messages import PER_LEVEL_BOOK_MESSAGES
from mmwatch.config import CollectionConfig
from mmwatch.errors import ConfigError

POLLED_WEIGHT = 0.1


def venue_load(config: CollectionConfig, exchange_id: str) -> float:
    """The expected work of a venue, in streamed-market units (see the module's note)."""
    venue = config.exchanges[exchange_id]
    if venue.mode != "stream":
        return len(venue.markets) * POLLED_WEIGHT
    per_update = 2 * venue.orderbook_levels if exchange_id in PER_LEVEL_BOOK_MESSAGES else 1
    return float(len(venue.markets) * per_update)


def venue_groups(config: CollectionConfig, processes: int | None = None) -> list[list[str]]:
    """The venues of each process (`processes`: default the config's), none empty, the first the
    heaviest; at most one process per venue."""
    count = min(processes or config.processes, len(config.exchanges))
    groups: list[list[str]] = [[] for _ in range(count)]
    loads = [0.0] * count
    for exchange_id in sorted(config.exchanges, key=lambda e: (-venue_load(config, e), e)):
        lightest = loads.index(min(loads))
        groups[lightest].append(exchange_id)
        loads[lightest] += venue_load(config, exchange_id)
    return [sorted(group) for group in groups]


def only_venues(config: CollectionConfig, venues: list[str]) -> CollectionConfig:
    """The config with only `venues` (one process's share); an unknown venue is a ConfigError naming it."""
    unknown = [venue for venue in venues if venue not in config.exchanges]
    if unknown:
        raise ConfigError(f"--venues names {', '.join(unknown)}, not in the config's exchanges "
                          f"({', '.join(config.exchanges)})")
    return config.model_copy(update={"exchanges": {e: config.exchanges[e] for e in venues}, "processes": 1})
