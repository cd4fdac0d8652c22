"""The collector's landing rows pass the same door as a capture import: a refused book or trade lands
as a fetch_errors row (RefusedAtDoor with the door's reason); the good rows land as before."""
from __future__ import annotations

import polars as pl

from mmwatch.collector.rows import MarketRef, book_row, trade_row
from mmwatch.collector.sinks import LandingSink
from mmwatch.landing.zone import list_landing
from mmwatch.settings import DataDir

T0 = 1_763_683_200_000  # 2025-11-21 00:00:00 UTC
SPOT = MarketRef("binance", "BTC/USDT", "spot")
PERP = MarketRef("okx", "BTC/USDT:USDT", "swap", 0.01)


def _landed(data_dir: DataDir, dataset: str) -> pl.DataFrame:
    files = list_landing(data_dir, dataset)
    return pl.concat([pl.read_parquet(f.path) for f in files]) if files else pl.DataFrame()


def test_refused_rows_are_recorded_as_failed_fetches(tmp_path):
    data_dir = DataDir(tmp_path / "data")
    sink = LandingSink(data_dir, background=False)
    good_book = {"timestamp": T0 + 5, "nonce": 1, "bids": [[97000.0, 0.5]], "asks": [[97001.0, 0.4]]}
    sink.add("orderbooks", book_row(SPOT, good_book, T0 + 10))
    sink.add("orderbooks", book_row(SPOT, {**good_book, "timestamp": (T0 + 5) // 1000}, T0 + 20))   # seconds
    sink.add("orderbooks", book_row(SPOT, {**good_book, "asks": [[97001.0, 1e308]]}, T0 + 30))      # 1e308
    sink.add("orderbooks", book_row(SPOT, {**good_book, "timestamp": 2**63 - 1}, T0 + 40))          # 2^63-1
    good_trade = {"id": 7, "timestamp": T0 + 1, "price": 97000.5, "amount": 3.0, "side": "buy"}
    sink.add("trades", trade_row(PERP, good_trade, T0 + 11))
    sink.add("trades", trade_row(PERP, {**good_trade, "id": 8, "price": 0.0}, T0 + 12))
    sink.close()

    books = _landed(data_dir, "orderbooks")
    assert books["received_ts"].to_list() == [T0 + 10]
    assert _landed(data_dir, "trades")["trade_id"].to_list() == ["7"]
    errors = _landed(data_dir, "fetch_errors").sort("received_ts")
    assert errors.select("exchange", "dataset", "received_ts", "error_class").rows() == [
        ("okx", "trades", T0 + 12, "RefusedAtDoor"), ("binance", "orderbooks", T0 + 20, "RefusedAtDoor"),
        ("binance", "orderbooks", T0 + 30, "RefusedAtDoor"), ("binance", "orderbooks", T0 + 40, "RefusedAtDoor")]
    assert errors["message"].to_list() == [
        "refused at the door: trade 'price' 0.0 must be a positive finite number",
        f"refused at the door: 'timestamp' {(T0 + 5) // 1000} looks like seconds: multiply by 1000 (timestamps are "
        "integer milliseconds since the epoch)",
        "refused at the door: 'asks' level 0: price 97001.0, amount 1e+308: each must be finite and either 0 or of "
        "magnitude within [1e-18, 1e15]",
        errors["message"][3]]
    assert errors["message"][3].startswith(f"refused at the door: 'timestamp' {2**63 - 1} is outside the accepted window")
    assert dict(sink.rows) == {"orderbooks": 1, "trades": 1, "fetch_errors": 4}
    assert {(f.parts[-4], f.parts[-3], f.parts[-2]) for f in sink.files} == {
        ("orderbooks", "day=2025-11-21", "exchange=binance"), ("trades", "day=2025-11-21", "exchange=okx"),
        ("fetch_errors", "day=2025-11-21", "exchange=binance"), ("fetch_errors", "day=2025-11-21", "exchange=okx")}


def test_a_minute_across_midnight_lands_one_file_per_day(tmp_path):
    data_dir = DataDir(tmp_path / "data")
    sink = LandingSink(data_dir, background=True)
    book = {"nonce": None, "bids": [[97000.0, 0.5]], "asks": [[97001.0, 0.4]]}
    sink.add("orderbooks", book_row(SPOT, {**book, "timestamp": T0 - 1}, T0 + 1))  # exchange time: the day before
    sink.add("orderbooks", book_row(SPOT, {**book, "timestamp": T0 + 1}, T0 + 2))
    sink.close()
    assert sorted(f.day for f in list_landing(data_dir, "orderbooks")) == ["2025-11-20", "2025-11-21"]
    assert dict(sink.rows) == {"orderbooks": 2}
