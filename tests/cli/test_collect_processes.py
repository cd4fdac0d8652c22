"""`mmwatch collect` with `processes: 2` (subprocesses against the simulator, wall clock): the venues
are split by load between two collector processes, each lands its own venues into the one landing
zone, each serves its own /metrics, and both stop with the parent; the parent's /health says when a
child is stuck, and a child killed on the way is started again and its venues land again."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from collect_harness import landed
from collector_process import wait_for
from mmwatch.ports import free_port
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


CONFIG = ("processes: 2\nexchanges:\n"
          "  kucoinfutures:\n    markets: [BTC/USDT:USDT]\n    mode: stream\n    datasets: [orderbooks]\n"
          "  binance:\n    markets: [BTC/USDT, ETH/USDT]\n    mode: stream\n    datasets: [orderbooks]\n"
          "  okx:\n    markets: [BTC/USDT]\n    datasets: [orderbooks]\n")


def _collect(tmp_path: Path, sim, port: int, duration_s: int, *extra: str) -> subprocess.Popen:
    config = tmp_path / "collect.yaml"
    config.write_text(CONFIG)
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "mmwatch"), "collect", "--config", str(config), "--simulator", sim.url,
         "--simulator-ws", sim.ws_url(), "--duration", str(duration_s), "--progress-every", "5",
         "--metrics-port", str(port), "--data-dir", str(tmp_path / "data"), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _child_pids(parent: subprocess.Popen) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(parent.pid)], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found if "--venues" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")]


def test_two_collector_processes_split_the_venues_and_land_both(tmp_path):
    port = free_port()
    with SimulatorProcess(REPO / "scenarios" / "venues.yaml", clock="wall", rate_limits="off") as sim:
        parent = _collect(tmp_path, sim, port, 25)
        child_metrics = wait_for("the child's /metrics", lambda: _messages(port + 1), deadline_s=60)
        own_metrics = wait_for("the parent's /metrics", lambda: _messages(port), deadline_s=60)
        out, err = parent.communicate(timeout=180)
    assert parent.returncode == 0, err
    # the per-level venue alone in the first (parent) process, the others in the child
    assert "collector process 2 of 2: binance, okx" in err
    assert 'exchange="kucoinfutures"' in own_metrics and 'exchange="binance"' not in own_metrics
    assert 'exchange="binance"' in child_metrics and 'exchange="kucoinfutures"' not in child_metrics
    assert out.count("request-budget use per venue:") == 2  # each process reports its own venues on exit
    books = landed(DataDir.from_env(tmp_path / "data"), "orderbooks")
    per_venue = dict(books.group_by("exchange").len().iter_rows())
    assert set(per_venue) == {"kucoinfutures", "binance", "okx"} and min(per_venue.values()) > 0
    assert books.select("exchange", "symbol", "exchange_ts", "received_ts").is_duplicated().sum() == 0
    assert _messages(port) is None and _messages(port + 1) is None  # both stopped


def _sampled_books(port: int, venue: str) -> float:
    """The books of `venue` the process at `port` sampled from its streams (0 when it does not answer)."""
    found = re.search(rf'mmwatch_collector_stream_sampled_books_total{{exchange="{venue}"}} (\S+)', _messages(port) or "")
    return float(found.group(1)) if found else 0.0


def _health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_parents_health_covers_a_stuck_child_and_a_killed_or_stuck_child_is_started_again(tmp_path):
    port = free_port()
    with SimulatorProcess(REPO / "scenarios" / "venues.yaml", clock="wall", rate_limits="off") as sim:
        parent = _collect(tmp_path, sim, port, 110, "--stuck-after", "15")
        wait_for("the child's /metrics", lambda: _messages(port + 1), deadline_s=60)
        wait_for("the parent's /metrics", lambda: _messages(port), deadline_s=60)
        [first] = _child_pids(parent)
        healthy = _health(port)
        os.kill(first, signal.SIGSTOP)  # alive, answering nothing: the one healthcheck must see it
        stuck = _health(port)
        os.kill(first, signal.SIGCONT)
        wait_for("the parent healthy again", lambda: _health(port)[0] == 200 or None, deadline_s=30)
        killed_ms = time.time_ns() // 1_000_000
        os.kill(first, signal.SIGKILL)
        [second] = wait_for("a new child", lambda: [pid for pid in _child_pids(parent) if pid != first] or None,
                            deadline_s=30)
        wait_for("the new child's /metrics", lambda: _messages(port + 1), deadline_s=60)
        wait_for("the parent to hear from the new child", lambda: "does not answer" not in json.dumps(
            _health(port)[1]["other_processes"]["binance, okx"]) or None, deadline_s=30)
        os.kill(second, signal.SIGSTOP)  # stuck for good this time: stopped and started again after 15 s
        wait_for("a third child", lambda: [p for p in _child_pids(parent) if p not in (first, second)] or None,
                 deadline_s=60)
        wait_for("the third child's binance books", lambda: _sampled_books(port + 1, "binance") or None,
                 deadline_s=60)
        parent.send_signal(signal.SIGTERM)  # done: stopped as an operator would (--duration is only the cap)
        out, err = parent.communicate(timeout=240)
    assert healthy[0] == 200 and healthy[1]["other_processes"]["binance, okx"]["ok"] is True
    assert set(healthy[1]["other_processes"]["binance, okx"]["venues_newest_usable_book_age_s"]) == {"binance", "okx"}
    assert stuck[0] == 503 and not stuck[1]["ok"]
    assert stuck[1]["reason"].startswith("the collector process of binance, okx is unhealthy")
    assert "does not answer" in stuck[1]["other_processes"]["binance, okx"]["reason"]
    assert parent.returncode == 0, err
    assert f"collector process for binance, okx (pid {first}) died with exit code -9: starting it again in 1 s" in err
    assert f"collector process for binance, okx (pid {second}) has not answered /health for" in err
    assert f"collector process for binance, okx (pid {second}) was stopped as stuck with exit code -9" in err
    assert "collector process for binance, okx was started again 2 time(s)" in err
    books = landed(DataDir.from_env(tmp_path / "data"), "orderbooks")
    after = books.filter(books["received_ts"] > killed_ms + 2_000)
    assert {"binance", "okx", "kucoinfutures"} <= set(after["exchange"])  # the restarted child's venues land
    assert books.select("exchange", "symbol", "exchange_ts", "received_ts").is_duplicated().sum() == 0


def test_a_child_that_never_answered_is_reported_not_restarted(tmp_path):
    """Its port taken, a child collects without an endpoint: /health says so, and the watcher, which
    restarts only a child that answered and then stopped, leaves it collecting."""
    import socket

    port = free_port()
    with socket.socket() as taken, SimulatorProcess(REPO / "scenarios" / "venues.yaml", clock="wall",
                                                    rate_limits="off") as sim:
        taken.bind(("127.0.0.1", port + 1))  # bound, never listening: the child cannot serve, nothing answers
        parent = _collect(tmp_path, sim, port, 25, "--stuck-after", "3")
        wait_for("the parent's /metrics", lambda: _messages(port), deadline_s=60)
        status, body = wait_for("the parent's /health", lambda: _health(port), deadline_s=30)
        out, err = parent.communicate(timeout=180)
    assert status == 503 and "does not answer" in body["other_processes"]["binance, okx"]["reason"]
    assert parent.returncode == 0, err
    assert "collecting without metrics and health endpoint" in err and "has not answered /health" not in err
    assert "was started again" not in err
    books = landed(DataDir.from_env(tmp_path / "data"), "orderbooks")
    assert {"binance", "okx"} <= set(books["exchange"])  # the child collected all along
