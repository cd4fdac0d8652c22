"""Capture files: record -> import round trip, bad lines with file:line, gzip, refusal, counts."""
from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import polars as pl
import pytest

from mmwatch.capture.importer import import_capture
from mmwatch.collector.sinks import CaptureSink
from mmwatch.errors import CaptureError
from mmwatch.landing.zone import list_landing
from mmwatch.settings import DataDir

T0 = 1_763_683_200_000  # 2025-11-21 00:00:00 UTC


def _book_row(symbol, exchange_ts, received_ts, bids, asks, nonce=None):
    return {"exchange": "binance", "market_type": "spot", "symbol": symbol, "exchange_ts": exchange_ts,
            "received_ts": received_ts, "nonce": nonce, "source": "collector",
            "bids": [{"price": p, "amount": a} for p, a in bids], "asks": [{"price": p, "amount": a} for p, a in asks]}


def _trade_row(trade_id, ts, price, amount, side):
    return {"exchange": "gate", "market_type": "swap", "symbol": "ETH/USDT:USDT", "exchange_ts": ts,
            "received_ts": ts + 7, "trade_id": trade_id, "price": price, "amount": amount, "side": side,
            "source": "collector", "contract_size": 0.01}  # gate's ETH perp counts contracts of 0.01 ETH


def _landed(data_dir: DataDir, dataset: str) -> pl.DataFrame:
    return pl.concat([pl.read_parquet(f.path) for f in list_landing(data_dir, dataset)])


def test_record_then_import_gives_the_same_rows(tmp_path):
    books = [_book_row("BTC/USDT", T0 + 123, T0 + 150, [(97000.1, 0.5), (96999.0, 1.2)], [(97000.2, 0.3)], 82736152),
             _book_row("BTC/USDT", None, T0 - 5, [], [(97001.0, 2.0), (97002.5, 0.0)]),  # null ts, previous day
             _book_row("ETH/USDT", T0 + 10_000, T0 + 10_020, [(3100.5, 4.0)], [(3100.6, 1.5)])]
    trades = [_trade_row("5731298", T0 + 456, 3100.5, 0.25, "buy"), _trade_row(None, T0 + 900, 3101.0, 1.0, None)]
    sink = CaptureSink(tmp_path / "day.jsonl")
    for row in books:
        sink.add("orderbooks", row)
    for row in trades:
        sink.add("trades", row)
    sink.add("fetch_errors", {"exchange": "binance", "market_type": "spot", "symbol": "BTC/USDT", "dataset": "orderbooks",
                              "received_ts": T0, "error_class": "RequestTimeout", "message": "timed out"})
    sink.close()
    assert sink.errors == 1

    data_dir = DataDir(tmp_path / "data")
    result = import_capture(data_dir, tmp_path / "day.jsonl")
    assert result.counts.loaded["orderbook"] == 3 and result.counts.loaded["trade"] == 2
    assert sum(result.counts.rejected.values()) == 0
    landed_books = _landed(data_dir, "orderbooks").sort("symbol", "received_ts")
    expected = [{**row, "source": "import_day"} for row in sorted(books, key=lambda r: (r["symbol"], r["received_ts"]))]
    # Spot records carry no contract size: imported rows get 1.0 (base units); the perp's trades keep 0.01.
    assert landed_books["contract_size"].to_list() == [1.0] * 3
    assert landed_books.drop("contract_size").to_dicts() == expected
    landed_trades = _landed(data_dir, "trades").sort("exchange_ts")
    assert landed_trades.to_dicts() == [{**t, "source": "import_day"} for t in trades]
    # Landing day = UTC day of coalesce(exchange_ts, received_ts): the null-timestamp book is on the previous day.
    assert {(f.day, f.exchange) for f in list_landing(data_dir, "orderbooks")} == {
        ("2025-11-20", "binance"), ("2025-11-21", "binance")}
    assert not list(tmp_path.rglob(".tmp-*"))


GOOD_BOOK = {"type": "orderbook", "exchange": "binance", "market_type": "spot", "symbol": "BTC/USDT",
             "timestamp": T0, "received_at": T0 + 20, "bids": [[97000.1, 0.5]], "asks": [[97000.2, 0.3]]}


def _lines(*records) -> bytes:
    return b"".join((r if isinstance(r, bytes) else orjson.dumps(r)) + b"\n" for r in records)


def test_bad_lines_are_reported_with_file_and_line_and_skipped(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(_lines(
        GOOD_BOOK,                                                    # 1 ok
        b'{"type": "orderbook", "exchange": "binance"',               # 2 invalid JSON
        {**GOOD_BOOK, "timestamp": "yesterday"},                      # 3 wrong type
        {k: v for k, v in GOOD_BOOK.items() if k != "received_at"},   # 4 missing field
        b"",                                                          # 5 blank: skipped, not an error
        {**GOOD_BOOK, "bids": [[97000.1]]},                           # 6 level without amount
        {**GOOD_BOOK, "timestamp": None, "venue_seq": 7, "info": {"x": [1, 2]}},  # 7 ok: null ts, extra fields
        {"type": "trade", "exchange": "gate", "market_type": "spot", "symbol": "ETH/USDT", "timestamp": T0,
         "received_at": T0, "id": "1", "price": "3100", "amount": 1, "side": "buy"},  # 8 price as text
        {"type": "ticker", "exchange": "binance", "market_type": "spot", "symbol": "BTC/USDT", "timestamp": T0,
         "received_at": T0, "bid": 1.0, "ask": 2.0},                  # 9 ok, counted, not landed
        {**GOOD_BOOK, "type": "candle"},                              # 10 unknown type
    ))
    result = import_capture(DataDir(tmp_path / "data"), path)
    issues = {issue.line: str(issue) for issue in result.counts.issues}
    assert sorted(issues) == [2, 3, 4, 6, 8, 10]
    assert issues[2].startswith("mixed.jsonl:2: invalid JSON")
    assert issues[3] == "mixed.jsonl:3: 'timestamp' must be integer milliseconds or null, got 'yesterday'"
    assert issues[4] == "mixed.jsonl:4: missing field 'received_at'"
    assert "'bids' level 0" in issues[6]
    assert "'price' must be a finite number" in issues[8]
    assert "unknown record type 'candle'" in issues[10]
    assert result.counts.loaded["orderbook"] == 2 and result.counts.loaded["ticker"] == 1
    assert dict(result.counts.rejected) == {"unreadable": 2, "orderbook": 3, "trade": 1}
    assert result.rows == {"orderbooks": 2}


def test_gzip_capture_loads(tmp_path):
    path = tmp_path / "books.jsonl.gz"
    with gzip.open(path, "wb") as out:
        out.write(_lines(*[{**GOOD_BOOK, "timestamp": T0 + i} for i in range(5)]))
    data_dir = DataDir(tmp_path / "data")
    result = import_capture(data_dir, path)
    assert result.counts.loaded["orderbook"] == 5
    landed = _landed(data_dir, "orderbooks")
    assert sorted(landed["exchange_ts"].to_list()) == [T0 + i for i in range(5)]
    assert set(landed["source"]) == {"import_books"}


def test_import_twice_lands_twice(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_bytes(_lines(GOOD_BOOK))
    data_dir = DataDir(tmp_path / "data")
    import_capture(data_dir, path)
    import_capture(data_dir, path)
    assert _landed(data_dir, "orderbooks").height == 2  # de-duplicated later by snapshot_id in the raw assets


@pytest.mark.parametrize("content", [b"exchange,symbol,price\nbinance,BTC/USDT,97000\n", b"\x00\x01\x02binary\xff\xfe\n",
                                     b'[{"type": "orderbook"}]\n'])
def test_non_jsonl_file_is_refused(tmp_path, content):
    path = tmp_path / "prices.jsonl"
    path.write_bytes(content)
    with pytest.raises(CaptureError, match="not a JSON Lines capture"):
        import_capture(DataDir(tmp_path / "data"), path)


def test_missing_file_and_broken_gzip_are_refused(tmp_path):
    with pytest.raises(CaptureError, match="capture file not found"):
        import_capture(DataDir(tmp_path), tmp_path / "missing.jsonl")
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(CaptureError, match="cannot be read as gzip"):
        import_capture(DataDir(tmp_path), broken)


def test_lines_across_read_blocks_keep_their_numbers(tmp_path):
    from mmwatch.capture.lines import line_blocks

    path = tmp_path / "many.jsonl"
    records = [orjson.dumps({**GOOD_BOOK, "nonce": i}) for i in range(50)]
    path.write_bytes(b"\n".join(records))  # no newline at the end
    seen = {}
    for block in line_blocks(path, block_bytes=700):  # smaller than three lines
        for offset in range(len(block)):
            seen[block.first_line + offset] = block.line(block.first_line + offset).rstrip(b"\n")
    assert seen == {i + 1: record for i, record in enumerate(records)}
