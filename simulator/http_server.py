"""A lean HTTP/1.1 server on one asyncio event loop, for the simulator.

Why not `http.server.ThreadingHTTPServer`: one thread per connection makes every request a
thread wake-up and a GIL hand-over, and `BaseHTTPRequestHandler` parses headers through the
`email` package (~0.2 ms a request). Here every connection is an `asyncio.Protocol` on one loop:
keep-alive and pipelined requests are answered in order, headers are split by hand, and the
loop calls `idle()` between events so the app can prepare work ahead (see simulator.prefetch).
An answer with `delay_s` > 0 (a slow gateway, simulator.faults) is written that much later without
holding up other connections; its connection reads nothing further until then.

`LoopServer` offers what callers used from the stdlib server: `server_address`,
`serve_forever(poll_interval)`, `shutdown()` (from another thread) and `server_close()`.
`background(stop)`, when given, is a coroutine run on the same loop while serving (the simulator's
WebSocket server, simulator.streams); it must return once the `stop` event is set.
"""
from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable
from http import HTTPStatus

MAX_HEAD_BYTES = 65_536
Handle = Callable[[str, str, bytes, str], "object"]  # (method, target, body, client ip) -> Response


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def response_bytes(status: int, content_type: str, headers: tuple[tuple[str, str], ...], body: bytes,
                   close: bool) -> bytes:
    """One HTTP/1.1 response: status line, headers and body in one buffer."""
    lines = [f"HTTP/1.1 {status} {_reason(status)}", f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class _Connection(asyncio.Protocol):
    def __init__(self, server: "LoopServer"):
        self.server = server
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.client = "local"
        self.continued = False  # "100 Continue" sent for the request being read
        self.held = False  # an answer is being held back (delay_s): later requests wait behind it

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        self.client = peer[0] if peer else "local"
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms delayed-ACK stalls

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._answer_buffered()
        self.server.kick()

    def _answer_buffered(self) -> None:
        while not self.held and self.transport is not None and not self.transport.is_closing():
            if not self._answer_one():
                break

    def _answer_one(self) -> bool:
        """Answer the first complete request in the buffer; False when none is complete yet."""
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD_BYTES:
                self._fail(431, "request head too large")
            return False
        lines = self.buffer[:end].decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            self._fail(400, f"malformed request line {lines[0][:100]!r}")
            return False
        method, target, version = parts
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            self._fail(411, "send the body with a Content-Length")
            return False
        try:
            length = int(headers.get("content-length") or 0)
        except ValueError:
            self._fail(400, "Content-Length is not a number")
            return False
        if len(self.buffer) < end + 4 + length:
            if headers.get("expect", "").lower() == "100-continue" and not self.continued:
                self.continued = True  # curl waits for this before it sends a body
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            return False
        self.continued = False
        body = bytes(self.buffer[end + 4:end + 4 + length])
        del self.buffer[:end + 4 + length]
        connection = headers.get("connection", "").lower()
        close = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
        response = self.server.handle(method, target, body, self.client)
        delay_s = getattr(response, "delay_s", 0)
        if delay_s > 0:
            self.held = True
            asyncio.get_running_loop().call_later(delay_s, self._send_held, response, close)
            return False
        self._send(response, close)
        return not close

    def _send(self, response, close: bool) -> None:
        self.transport.write(response_bytes(response.status, response.content_type, response.headers,
                                            response.body, close))
        if close:
            self.transport.close()

    def _send_held(self, response, close: bool) -> None:
        self.held = False
        if self.transport is None or self.transport.is_closing():  # the client gave up meanwhile
            return
        self._send(response, close)
        if not close:
            self._answer_buffered()

    def _fail(self, status: int, message: str) -> None:
        self.transport.write(response_bytes(status, "text/plain", (), message.encode(), True))
        self.transport.close()


class LoopServer:
    """An HTTP/1.1 server for `handle(method, target, body, client) -> Response` (see module doc)."""

    def __init__(self, handle: Handle, host: str = "127.0.0.1", port: int = 0,
                 idle: Callable[[], bool] | None = None,
                 background: Callable[[asyncio.Event], Awaitable[None]] | None = None):
        self.handle = handle
        self._idle = idle
        self._background = background
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self._socket.listen(128)
        self.server_address = self._socket.getsockname()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._state_lock = threading.Lock()
        self._serving = self._shutdown_requested = False
        self._running = threading.Event()  # the loop exists and can be told to stop
        self._stopped = threading.Event()
        self._idle_scheduled = False

    def kick(self) -> None:
        """Let the app do idle work (one piece per loop turn, so new requests come first)."""
        if self._idle is not None and not self._idle_scheduled:
            self._idle_scheduled = True
            self._loop.call_soon(self._idle_turn)

    def _idle_turn(self) -> None:
        self._idle_scheduled = False
        if self._idle():
            self.kick()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._running.set()
        server = await self._loop.create_server(lambda: _Connection(self), sock=self._socket)
        companion = asyncio.create_task(self._background(self._stop)) if self._background else None
        async with server:
            await self._stop.wait()
            if companion is not None:
                await companion

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Serve until `shutdown()` (poll_interval is accepted for the stdlib signature, unused)."""
        with self._state_lock:
            if self._shutdown_requested:
                return
            self._serving = True
        try:
            asyncio.run(self._serve())
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop `serve_forever` (call from another thread) and wait until it returned."""
        with self._state_lock:
            self._shutdown_requested = True
            serving = self._serving
        if not serving:
            return
        if self._running.wait(timeout=10):
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:  # the loop closed meanwhile
                pass
        self._stopped.wait(timeout=10)

    def server_close(self) -> None:
        """Close the listening socket."""
        self._socket.close()
