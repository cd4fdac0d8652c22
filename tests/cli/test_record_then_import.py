"""`mmwatch record` (the collector writing the capture format, wall clock, real ccxt against the
simulator) then `mmwatch import` of that file: the landed books are the ones recorded."""
from __future__ import annotations

from pathlib import Path

import orjson
import polars as pl
from typer.testing import CliRunner

from cli.app import app
from mmwatch.landing.zone import list_landing
from mmwatch.settings import DataDir
from steady_scenario import steady_scenario


def test_record_then_import_round_trip(tmp_path):
    from simulator.process import SimulatorThread

    config = tmp_path / "markets.yaml"
    config.write_text("exchanges:\n  binance:\n    markets: [BTC/USDT, ETH/BTC]\n    orderbook_levels: 20\n")
    capture = tmp_path / "recorded.jsonl.gz"
    # steady: at 00:20-00:31 UTC the smoke scenario crosses, stops or empties BTC/USDT
    with SimulatorThread(steady_scenario(Path("scenarios/smoke.yaml"), tmp_path), clock="wall") as simulator:
        recorded = CliRunner().invoke(app, ["record", "--config", str(config), "--simulator", simulator.url,
                                            "--duration", "3", "--out", str(capture)])
    assert recorded.exit_code == 0, recorded.output

    import gzip
    records = [orjson.loads(line) for line in gzip.open(capture).read().splitlines()]
    books = [r for r in records if r["type"] == "orderbook"]
    assert {b["symbol"] for b in books} == {"BTC/USDT", "ETH/BTC"}  # the first cycle fetched both
    assert all(len(b["bids"]) == 20 and len(b["asks"]) == 20 for b in books)
    assert all(b["bids"][0][0] < b["asks"][0][0] for b in books)

    data = tmp_path / "data"
    imported = CliRunner().invoke(app, ["import", str(capture), "--data-dir", str(data)])
    assert imported.exit_code == 0, imported.output
    landed = pl.concat([pl.read_parquet(f.path) for f in list_landing(DataDir.from_env(data), "orderbooks")])
    assert landed.height == len(books)
    first = books[0]
    row = landed.filter((pl.col("symbol") == first["symbol"]) & (pl.col("received_ts") == first["received_at"])).row(0, named=True)
    assert [[level["price"], level["amount"]] for level in row["bids"]] == [level[:2] for level in first["bids"]]
    assert row["source"] == "import_recorded"
