"""Loopback ports for the servers the product, its tests and its benchmarks start on this machine
(the loopback SMTP server, the collector's /health and /metrics, the simulator, Dagster's webserver)."""
from __future__ import annotations

import socket


def free_port() -> int:
    """An ephemeral loopback port free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
