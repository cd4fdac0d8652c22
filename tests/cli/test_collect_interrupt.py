"""`mmwatch collect` stopped with Ctrl-C (SIGINT) or SIGTERM flushes what it holds: the books of
the unfinished minute land, nothing collected is lost, and it exits cleanly."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from mmwatch.landing.zone import list_landing
from mmwatch.settings import DataDir

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_collect_flushes_the_open_minute_on_a_signal(tmp_path, stop_signal):
    from simulator.process import SimulatorProcess

    config = tmp_path / "markets.yaml"
    config.write_text("exchanges:\n  binance:\n    markets: [BTC/USDT]\n    orderbook_every_s: 1\n")
    data = tmp_path / "data"
    mmwatch = Path(sys.executable).parent / "mmwatch"
    with SimulatorProcess(REPO / "scenarios" / "smoke.yaml", clock="wall") as simulator:
        process = subprocess.Popen([str(mmwatch), "collect", "--config", str(config), "--simulator", simulator.url,
                                    "--data-dir", str(data)], cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(6)  # markets load, then a book every second
        process.send_signal(stop_signal)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    books = list_landing(DataDir.from_env(data), "orderbooks")
    assert books, output
    rows = pl.concat([pl.read_parquet(f.path) for f in books])
    assert rows.height >= 3  # several seconds of books, none held back in memory
    assert rows["received_ts"].n_unique() == rows.height
    assert not list((data / "landing").rglob(".tmp-*"))
    assert "landed" in output
