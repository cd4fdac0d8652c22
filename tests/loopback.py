"""A real loopback endpoint for the alert channels, shared by the alert and health tests: an HTTP
receiver that records JSON posts (Slack, Telegram, webhooks). The SMTP server is the product's own
mmwatch.mail.loopback.LoopbackSmtp. Importable from every test folder (tests/ is on sys.path)."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """A loopback HTTP endpoint that records JSON posts; `down` makes it answer 503."""

    def __init__(self):
        self.posts: list[tuple[str, dict]] = []
        self.down = False
        self.refused = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.down:
                    receiver.refused += 1
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.posts.append((self.path, json.loads(body)))
                answer = json.dumps({"ok": True}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
