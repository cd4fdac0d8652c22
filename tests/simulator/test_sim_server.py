"""Control endpoints, the wall clock and the in-thread server."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from simulator.process import SimulatorThread


def _post(url: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_virtual_clock_control(smoke_path, t0):
    with SimulatorThread(smoke_path) as sim:
        assert sim.now_ms() == t0  # starts at 00:00 UTC of the scenario day
        assert _post(sim.url + "/_sim/clock", {"advance_ms": 1500}) == (200, {"mode": "virtual", "now_ms": t0 + 1500})
        status, body = _post(sim.url + "/_sim/clock", {"when": 1})
        assert status == 400 and "now_ms" in body["error"]
        sim.app.handle("GET", "/api/v3/depth?symbol=BTCUSDT&limit=10")
        assert sim.truth()["snapshots"] == 1
        sim.reset_truth()
        assert sim.truth()["snapshots"] == 0


def test_wall_clock_follows_time_and_refuses_to_be_set(smoke_path):
    with SimulatorThread(smoke_path, clock="wall") as sim:
        assert abs(sim.now_ms() - time.time() * 1000) < 60_000
        status, body = _post(sim.url + "/_sim/clock", {"now_ms": 1})
        assert status == 400 and "--clock virtual" in body["error"]


def test_depth_limit_and_missing_symbol_errors(smoke_path):
    with SimulatorThread(smoke_path) as sim:
        bad_limit = sim.app.handle("GET", "/api/v3/depth?symbol=BTCUSDT&limit=6000")
        assert bad_limit.status == 400 and json.loads(bad_limit.body)["code"] == -1100
        no_symbol = sim.app.handle("GET", "/api/v3/depth")
        assert no_symbol.status == 400 and json.loads(no_symbol.body)["code"] == -1102
        assert sim.app.handle("GET", "/api/v3/nothing").status == 404


@pytest.mark.parametrize("limit", [5, 10, 20, 50, 100, 500, 1000, 5000])
def test_binance_depth_limits_are_honoured(smoke_path, limit):
    with SimulatorThread(smoke_path) as sim:
        body = json.loads(sim.app.handle("GET", f"/api/v3/depth?symbol=BTCUSDT&limit={limit}").body)
        assert len(body["bids"]) == min(limit, 128)  # 8 maker + 120 background levels a side
