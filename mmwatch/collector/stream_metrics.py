"""The streaming side of /metrics: per venue the mode in use (stream, poll or fallback), WebSocket
messages (total and per second over the last 10 s), resyncs, sampled books, markets out of sync,
unsynchronised time, fallbacks to REST and planned connection roll-overs."""
from __future__ import annotations

from typing import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from mmwatch.collector.stream_stats import MODES, POLL


def stream_families(collector, now_ms: int) -> Iterator[Metric]:
    """Every streaming metric family of `collector` (a Collector), read now."""
    mode = GaugeMetricFamily("mmwatch_collector_mode", "1 for the collection mode a venue is in now "
                             "(stream: WebSocket, poll: REST, fallback: REST while its stream is down)",
                             labels=["exchange", "mode"])
    families = {
        "messages": CounterMetricFamily("mmwatch_collector_stream_messages", "WebSocket messages received",
                                        labels=["exchange"]),
        "resyncs": CounterMetricFamily("mmwatch_collector_stream_resyncs",
                                       "Books back in sync after an out-of-sync interval", labels=["exchange"]),
        "samples": CounterMetricFamily("mmwatch_collector_stream_sampled_books",
                                       "Maintained books sampled into the landing zone", labels=["exchange"]),
        "unsynced_intervals_ms": CounterMetricFamily(
            "mmwatch_collector_stream_unsynced_seconds", "Seconds of the ended out-of-sync intervals (no sample)",
            labels=["exchange"]),
        "fallbacks": CounterMetricFamily("mmwatch_collector_stream_fallbacks",
                                         "Times the venue fell back to REST polling", labels=["exchange"]),
        "rollovers": CounterMetricFamily("mmwatch_collector_stream_rollovers",
                                         "Planned connection roll-overs (every market moved to a new connection "
                                         "in sync, the old one closed)", labels=["exchange"]),
        "rollover_markets_kept": CounterMetricFamily(
            "mmwatch_collector_stream_rollover_markets_kept",
            "Markets a roll-over left on the old connection (not in sync on the new one in time)",
            labels=["exchange"]),
    }
    rate = GaugeMetricFamily("mmwatch_collector_stream_messages_per_second",
                             "WebSocket messages per second over the last 10 s", labels=["exchange"])
    unsynced = GaugeMetricFamily("mmwatch_collector_stream_unsynced_markets",
                                 "Streamed markets whose book is out of sync now (not sampled)", labels=["exchange"])
    streams = dict(collector.streams)
    for exchange in sorted(collector.config.exchanges):
        stream = streams.get(exchange)
        current = stream.counters.mode if stream is not None else POLL
        for name in MODES:
            mode.add_metric([exchange, name], 1.0 if name == current else 0.0)
        if stream is None:
            continue
        counters = stream.counters
        for name, family in families.items():
            value = getattr(counters, name)
            family.add_metric([exchange], value / 1000 if name.endswith("_ms") else value)
        rate.add_metric([exchange], counters.meter.rate(now_ms))
        unsynced.add_metric([exchange], counters.unsynced_markets)
    yield mode
    yield from families.values()
    yield rate
    yield unsynced
