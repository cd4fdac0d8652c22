"""Real loopback endpoints for the alert channels, shared by the alert and health tests: an HTTP
receiver that records JSON posts (Slack, Telegram, webhooks) and an SMTP server (aiosmtpd) that
keeps every message. Importable from every test folder (tests/ is on sys.path)."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from mmwatch.ports import free_port


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


class SmtpCapture:
    """A real SMTP server on loopback that keeps every message (`messages`); `port` to point at."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Message

        class Keep(Message):
            def __init__(self):
                super().__init__()
                self.messages = []

            def handle_message(self, message):
                self.messages.append(message)

        self.handler = Keep()
        self.port = free_port()  # aiosmtpd checks its own port after start: it needs a real one
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def messages(self) -> list:
        return self.handler.messages

    def close(self) -> None:
        self.controller.stop()
