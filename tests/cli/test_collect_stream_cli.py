"""`mmwatch collect` with a venue in mode stream (a subprocess against the simulator, wall clock): one
progress line per venue per tick with the mode in use, messages per second, resyncs and sampled books;
the streamed books land as orderbooks rows."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from collect_harness import landed
from mmwatch.settings import DataDir
from simulator.process import SimulatorProcess

REPO = Path(__file__).resolve().parents[2]
LINE = re.compile(r"last 1 s: binance: stream, ([\d.,]+) msg/s, (\d+) resyncs, 0 roll-overs, (\d+) sampled books, 0 snapshots, "
                  r"\d+ trades, 0 errors; ")


def test_collect_shows_mode_rate_resyncs_and_sampled_books(tmp_path):
    config = tmp_path / "collect.yaml"
    config.write_text("exchanges:\n  binance:\n    markets: [BTC/USDT, ETH/USDT]\n    mode: stream\n"
                      "    orderbook_levels: 20\n  okx:\n    markets: [BTC/USDT]\n    datasets: [orderbooks]\n")
    data = tmp_path / "data"
    with SimulatorProcess(REPO / "scenarios" / "venues.yaml", clock="wall", rate_limits="off") as sim:
        result = subprocess.run(
            [str(Path(sys.executable).parent / "mmwatch"), "collect", "--config", str(config), "--simulator", sim.url,
             "--simulator-ws", sim.ws_url(), "--duration", "6", "--progress-every", "1", "--metrics-port", "-1",
             "--data-dir", str(data)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    stream_lines = [LINE.search(line) for line in result.stderr.splitlines() if "last 1 s: binance:" in line]
    poll_lines = [line for line in result.stderr.splitlines() if "last 1 s: okx: poll, " in line]
    assert len(stream_lines) >= 4 and all(stream_lines), result.stderr
    assert len(poll_lines) == len(stream_lines)  # one line per venue per tick
    rates = [float(m.group(1).replace(",", "")) for m in stream_lines]
    sampled = sum(int(m.group(3)) for m in stream_lines)
    assert max(rates) >= 10 and {m.group(2) for m in stream_lines} == {"0"}
    books = landed(DataDir.from_env(data), "orderbooks")
    streamed = books.filter(books["exchange"] == "binance")
    assert streamed.height >= sampled > 0 and streamed["nonce"].is_not_null().all()
    assert f"binance: {streamed.height} samples" in result.stdout
