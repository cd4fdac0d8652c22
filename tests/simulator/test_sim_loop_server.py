"""The asyncio HTTP server (keep-alive, pipelining, close, bad requests) and answers prepared ahead."""
from __future__ import annotations

import http.client
import json
import socket

from simulator.process import SimulatorThread
from simulator.server import SimulatorApp

DEPTH = "/api/v3/depth?symbol=BTCUSDT&limit=20"
STEP = 10_000


def _read_responses(sock: socket.socket, count: int) -> list[bytes]:
    """`count` raw responses (head + Content-Length body) from one socket, in order."""
    data, bodies = b"", []
    while len(bodies) < count:
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            head = data[:head_end].decode()
            length = int(head.lower().split("content-length: ")[1].split("\r\n")[0])
            if len(data) >= head_end + 4 + length:
                bodies.append(data[head_end + 4:head_end + 4 + length])
                data = data[head_end + 4 + length:]
                continue
        chunk = sock.recv(65_536)
        assert chunk, "the server closed the connection early"
        data += chunk
    return bodies


def _verdicts(app: SimulatorApp) -> dict:
    """ts → the smoke-btc obligation's verdict of every recorded BTC/USDT snapshot."""
    by_day, _ = app.truth.verdicts(app.truth.obligations[0])
    return {verdict.ts: verdict for day in by_day.values() for verdict in day}


def test_keep_alive_and_pipelined_requests_are_answered_in_order(smoke_path):
    with SimulatorThread(smoke_path) as sim:
        host, port = sim.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port))
        for _ in range(3):  # one connection, three requests
            connection.request("GET", "/_sim/health")
            response = connection.getresponse()
            assert response.status == 200 and json.loads(response.read())["ok"] is True
        connection.close()
        with socket.create_connection((host, int(port))) as sock:  # two requests in one packet
            sock.sendall(f"GET /_sim/clock HTTP/1.1\r\nHost: x\r\n\r\nGET {DEPTH} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            clock, depth = _read_responses(sock, 2)
        assert json.loads(clock)["mode"] == "virtual"
        assert len(json.loads(depth)["bids"]) == 20


def test_connection_close_and_bad_requests(smoke_path):
    with SimulatorThread(smoke_path) as sim:
        host, port = sim.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(b"GET /_sim/health HTTP/1.1\r\nConnection: close\r\n\r\n")
            reply = b""
            while chunk := sock.recv(65_536):  # the server closes after answering
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 200 OK\r\n") and b"Connection: close" in reply
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(b"NONSENSE\r\n\r\n")
            reply = sock.recv(65_536)
        assert reply.startswith(b"HTTP/1.1 400 Bad Request") and b"malformed request line" in reply


def test_an_answer_prepared_ahead_equals_the_live_answer_and_is_recorded_only_when_served(smoke_scenario, t0):
    app = SimulatorApp(smoke_scenario)
    for step in range(2):  # the same request at t0 and t0 + step: it recurs
        app.clock.set(t0 + step * STEP)
        app.handle("GET", DEPTH)
    assert app.truth.snapshot_count() == 2
    assert app.prepare_ahead() is False  # one answer prepared (for t0 + 2 steps), nothing more queued
    assert app.prefetch.prepared == 1 and app.truth.snapshot_count() == 2  # not served: not in the truth
    app.clock.set(t0 + 2 * STEP)
    prepared = app.handle("GET", DEPTH)
    assert app.prefetch.used == 1 and app.truth.snapshot_count() == 3

    fresh = SimulatorApp(smoke_scenario)  # nothing prepared: computed on arrival
    fresh.clock.set(t0 + 2 * STEP)
    assert prepared == fresh.handle("GET", DEPTH)
    assert _verdicts(app)[t0 + 2 * STEP] == _verdicts(fresh)[t0 + 2 * STEP]  # the same facts recorded


def test_a_prepared_answer_is_not_used_when_the_clock_goes_elsewhere(smoke_scenario, t0):
    app = SimulatorApp(smoke_scenario)
    for step in range(2):
        app.clock.set(t0 + step * STEP)
        app.handle("GET", DEPTH)
    app.prepare_ahead()
    app.clock.set(t0 + 2 * STEP + 1)  # not the step the answer was prepared for
    answer = app.handle("GET", DEPTH)
    fresh = SimulatorApp(smoke_scenario)
    fresh.clock.set(t0 + 2 * STEP + 1)
    assert app.prefetch.used == 0 and answer == fresh.handle("GET", DEPTH)
    assert sorted(_verdicts(app)) == [t0, t0 + STEP, t0 + 2 * STEP + 1]


def test_nothing_is_prepared_on_the_wall_clock(smoke_scenario):
    app = SimulatorApp(smoke_scenario, clock="wall")
    app.handle("GET", DEPTH)
    assert app.prefetch is None and app.prepare_ahead() is False


def test_stats_count_answers_prepared_and_used(smoke_path, t0):
    with SimulatorThread(smoke_path) as sim:
        host, port = sim.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port))
        for step in range(4):  # prepared for steps 2 and 3 (after step 1), used at both
            sim.set_clock(t0 + step * STEP)
            connection.request("GET", DEPTH)
            connection.getresponse().read()
            for _ in range(100):  # the loop prepares while idle; wait until it has
                if sim.stats()["prepared_ahead"]["prepared"] >= step:
                    break
        connection.close()
        assert sim.stats()["prepared_ahead"] == {"prepared": 3, "used": 2}  # the one for step 4 is never asked
        assert sim.truth()["snapshots"] == 4


def test_expect_100_continue_gets_an_interim_answer(smoke_path, t0):
    with SimulatorThread(smoke_path) as sim:
        host, port = sim.url.removeprefix("http://").split(":")
        body = b'{"advance_ms": 5}'
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(b"POST /_sim/clock HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
            assert sock.recv(1000) == b"HTTP/1.1 100 Continue\r\n\r\n"
            sock.sendall(body)
            assert json.loads(_read_responses(sock, 1)[0]) == {"mode": "virtual", "now_ms": t0 + 5}
