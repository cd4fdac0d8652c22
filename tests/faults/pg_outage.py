"""PostgreSQL going away, for the publish tests: a TCP relay to the real server that can be cut (every
open connection reset and no new one accepted), as a server stopped or a network lost would."""
from __future__ import annotations

import socket
import threading


class CuttableRelay:
    """Relays 127.0.0.1:`port` to `host`:`server_port`; `cut()` closes every relayed connection and the
    listening socket (the port is then closed: a new connection is refused)."""

    def __init__(self, host: str, server_port: int):
        self.server = (host, server_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self.cut_done = False
        threading.Thread(target=self._accept, name="pg-relay", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.server)
            with self._lock:
                self._sockets += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for end in (source, target):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        """The server is gone: reset every connection, refuse new ones."""
        self.cut_done = True
        self._listener.close()
        with self._lock:
            for end in self._sockets:  # both sides see the connection end (a blocked recv wakes up)
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
