"""`mmwatch collect` with `processes: 2` (subprocesses against the simulator, wall clock): the venues
are split by load between two collector processes, each lands its own venues into the one landing
zone, each serves its own /metrics, and both stop with the parent."""
from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

from collect_harness import landed
from collector_process import free_port, wait_for
from mmwatch.settings import DataDir
from simulator.process import SimulatorProcess

REPO = Path(__file__).resolve().parents[2]


def _messages(port: int) -> str | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as answer:
            text = answer.read().decode()
    except OSError:
        return None
    return text if "mmwatch_collector" in text else None


def test_two_collector_processes_split_the_venues_and_land_both(tmp_path):
    config = tmp_path / "collect.yaml"
    config.write_text("processes: 2\nexchanges:\n"
                      "  kucoinfutures:\n    markets: [BTC/USDT:USDT]\n    mode: stream\n    datasets: [orderbooks]\n"
                      "  binance:\n    markets: [BTC/USDT, ETH/USDT]\n    mode: stream\n    datasets: [orderbooks]\n"
                      "  okx:\n    markets: [BTC/USDT]\n    datasets: [orderbooks]\n")
    data, port = tmp_path / "data", free_port()
    with SimulatorProcess(REPO / "scenarios" / "venues.yaml", clock="wall", rate_limits="off") as sim:
        parent = subprocess.Popen(
            [str(Path(sys.executable).parent / "mmwatch"), "collect", "--config", str(config), "--simulator", sim.url,
             "--simulator-ws", sim.ws_url(), "--duration", "25", "--progress-every", "5", "--metrics-port", str(port),
             "--data-dir", str(data)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        child_metrics = wait_for("the child's /metrics", lambda: _messages(port + 1), deadline_s=60)
        own_metrics = wait_for("the parent's /metrics", lambda: _messages(port), deadline_s=60)
        out, err = parent.communicate(timeout=180)
    assert parent.returncode == 0, err
    # the per-level venue alone in the first (parent) process, the others in the child
    assert "collector process 2 of 2: binance, okx" in err
    assert 'exchange="kucoinfutures"' in own_metrics and 'exchange="binance"' not in own_metrics
    assert 'exchange="binance"' in child_metrics and 'exchange="kucoinfutures"' not in child_metrics
    assert out.count("request-budget use per venue:") == 2  # each process reports its own venues on exit
    books = landed(DataDir.from_env(data), "orderbooks")
    per_venue = dict(books.group_by("exchange").len().iter_rows())
    assert set(per_venue) == {"kucoinfutures", "binance", "okx"} and min(per_venue.values()) > 0
    assert books.select("exchange", "symbol", "exchange_ts", "received_ts").is_duplicated().sum() == 0
    assert _messages(port) is None and _messages(port + 1) is None  # both stopped
