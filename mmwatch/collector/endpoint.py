"""The collector's HTTP endpoint, in a thread beside the fetch loop: GET /metrics (Prometheus text
format) and GET /health (200 while a usable book landed within the threshold, and every other
collector process of the same `mmwatch collect` says so too, else 503, with a JSON body that says
why). docker-compose's healthcheck asks /health."""
from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from mmwatch.collector.metrics import CollectorMetrics
from mmwatch.errors import ConfigError

log = logging.getLogger(__name__)
DEFAULT_PORT = 9108


class MetricsEndpoint:
    """Serves `metrics` on host:port (port 0 picks a free one; `url` tells which) until `stop()`."""

    def __init__(self, metrics: CollectorMetrics, host: str = "127.0.0.1", port: int = DEFAULT_PORT):
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    endpoint._answer(self, 200, generate_latest(metrics.registry), CONTENT_TYPE_LATEST)
                elif path == "/health":
                    health = metrics.health()
                    endpoint._answer(self, 200 if health.all_ok else 503, json.dumps(health.document()).encode(),
                                     "application/json")
                else:
                    endpoint._answer(self, 404, b'{"error": "GET /metrics or /health"}', "application/json")

            def log_message(self, *args):  # scrapes every few seconds would flood the collector's log
                pass

        try:
            self.server = ThreadingHTTPServer((host, port), Handler)
        except OSError as error:
            raise ConfigError(f"cannot serve the collector's metrics on {host}:{port}: {error.strerror}; "
                              "pass another --metrics-port (0 picks a free one)") from None
        self.server.daemon_threads = True
        bound_host, bound_port = self.server.server_address[:2]
        self.url = f"http://{bound_host}:{bound_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="metrics", daemon=True)

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def start(self) -> "MetricsEndpoint":
        self._thread.start()
        log.info("metrics on %s/metrics, health on %s/health", self.url, self.url)
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
