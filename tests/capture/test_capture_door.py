"""Issue 15's reproductions at the capture door: each bad line is rejected with its reason, nothing
is written outside the data directory, the good lines still land, the rejects file holds every reject.

Every case runs on both reader paths: the writer's shape (fast path) and the same record with its
keys reversed (careful path).
"""
from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from imported_lines import landed_rows, reordered
from mmwatch.capture.importer import import_capture
from mmwatch.capture.writer import orderbook_record, trade_record
from mmwatch.settings import DataDir

T0 = 1_763_683_200_000  # 2025-11-21 00:00:00 UTC
BOOK = orderbook_record("binance", "spot", "BTC/USDT", T0, T0 + 20, [[97000.1, 0.5]], [[97000.2, 0.3]], 7)
TRADE = trade_record("gate", "spot", "ETH/USDT", T0 + 5, T0 + 30, "42", 3100.5, 0.25, "buy")
ESCAPE = "../../../../../x/ESCAPED"  # from landing/<data set>/day=D/exchange=: out of the data dir
SECONDS_HINT = "looks like seconds: multiply by 1000"


def _window(value: int) -> str:
    return f"'timestamp' {value} is outside the accepted window 2013-01-01 00:00:00 UTC .. "


# (name, record, rule, start of the reason)
CASES = [
    ("book ../ exchange", {**BOOK, "exchange": ESCAPE}, "exchange not a venue",
     f"'exchange' '{ESCAPE}' is not one of binance, binancecoinm"),
    ("trade ../ exchange", {**TRADE, "exchange": ESCAPE}, "exchange not a venue", f"'exchange' '{ESCAPE}' is not one of"),
    ("book a/b exchange", {**BOOK, "exchange": "a/b"}, "exchange not a venue", "'exchange' 'a/b' is not one of"),
    ("trade a/b exchange", {**TRADE, "exchange": "a/b"}, "exchange not a venue", "'exchange' 'a/b' is not one of"),
    ("unknown exchange", {**TRADE, "exchange": "foo"}, "exchange not a venue", "'exchange' 'foo' is not one of"),
    ("typo exchange", {**BOOK, "exchange": "binanse"}, "exchange not a venue", "'exchange' 'binanse' is not one of"),
    ("amount 1e308", {**BOOK, "asks": [[97000.2, 0.3], [97000.3, 1e308]]}, "level not finite or out of bounds",
     "'asks' level 1: price 97000.3, amount 1e+308: each must be finite and either 0 or of magnitude within [1e-18, 1e15]"),
    ("trade price 0", {**TRADE, "price": 0.0}, "trade price not positive", "trade 'price' 0.0 must be a positive finite number"),
    ("trade price < 0", {**TRADE, "price": -3100.5}, "trade price not positive", "trade 'price' -3100.5 must be a positive"),
    ("trade amount 0", {**TRADE, "amount": 0}, "trade amount not positive", "trade 'amount' 0.0 must be a positive"),
    ("trade amount < 0", {**TRADE, "amount": -0.25}, "trade amount not positive", "trade 'amount' -0.25 must be a positive"),
    ("100,000-char symbol", {**BOOK, "symbol": "B" * 100_000}, "symbol too long",
     f"'symbol' '{'B' * 40}...' (100000 characters) is longer than 64 characters"),
    ("seconds", {**TRADE, "timestamp": T0 // 1000}, "timestamp in seconds", f"'timestamp' {T0 // 1000} {SECONDS_HINT}"),
    ("received_at in seconds", {**BOOK, "timestamp": None, "received_at": T0 // 1000}, "received_at in seconds",
     f"'received_at' {T0 // 1000} {SECONDS_HINT}"),
    ("negative", {**BOOK, "timestamp": -1}, "timestamp outside the time window", _window(-1)),
    ("year 2100", {**TRADE, "timestamp": 4_102_444_800_000}, "timestamp outside the time window", _window(4_102_444_800_000)),
    ("year 9999", {**BOOK, "timestamp": 253_402_300_799_000}, "timestamp outside the time window",
     _window(253_402_300_799_000)),
    ("2^63-1", {**BOOK, "timestamp": 2**63 - 1}, "timestamp outside the time window", _window(2**63 - 1)),
    ("trade 2^63-1", {**TRADE, "timestamp": 2**63 - 1}, "timestamp outside the time window", _window(2**63 - 1)),
    ("1e16", {**BOOK, "timestamp": 10**16}, "timestamp outside the time window", _window(10**16)),
]


def files_outside(root: Path, data_dir: DataDir) -> list[Path]:
    """Every file and folder under `root` that is neither a capture there nor inside the data dir."""
    stray = []
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            if not (path.is_relative_to(data_dir.root) or data_dir.root.is_relative_to(path)
                    or (path.parent == root and name.endswith(".jsonl"))):
                stray.append(path)
    return stray


def _line(record: dict, careful: bool) -> bytes:
    return reordered(record) if careful else orjson.dumps(record)


@pytest.mark.parametrize("careful", [False, True], ids=["fast path", "careful path"])
@pytest.mark.parametrize("name, bad, rule, reason", CASES, ids=[case[0] for case in CASES])
def test_bad_line_is_rejected_with_its_reason_and_goes_nowhere(tmp_path, careful, name, bad, rule, reason):
    root = tmp_path / "work"
    root.mkdir()
    capture = root / "cap.jsonl"
    capture.write_bytes(b"".join(_line(record, careful) + b"\n" for record in (BOOK, bad, TRADE)))
    data_dir = DataDir(root / "data")
    result = import_capture(data_dir, capture)

    assert [(issue.line, issue.rule) for issue in result.counts.issues] == [(2, rule)]
    assert result.counts.issues[0].reason.startswith(reason), result.counts.issues[0].reason
    assert result.counts.loaded["orderbook"] == 1 and result.counts.loaded["trade"] == 1
    assert [row["received_ts"] for row in landed_rows(data_dir, "orderbooks")] == [T0 + 20]
    assert [row["trade_id"] for row in landed_rows(data_dir, "trades")] == ["42"]
    assert files_outside(root, data_dir) == []
    assert result.rejects.read_text().splitlines() == [f"cap.jsonl:2: {result.counts.issues[0].reason}"]
    assert result.rejects.parent == data_dir.landing / "_rejects"
    # only good partitions were made: nothing named after a capture's value
    assert sorted(p.relative_to(data_dir.landing).as_posix() for p in data_dir.landing.glob("*/day=*/exchange=*")) == [
        "orderbooks/day=2025-11-21/exchange=binance", "trades/day=2025-11-21/exchange=gate"]


def test_the_rejects_file_holds_every_rejected_line_in_file_order(tmp_path):
    """More rejects than the import keeps in memory (1,000) and than any screen shows: all in the file."""
    bad = [{**TRADE, "exchange": f"venue{i}"} if i % 3 else b"{broken" for i in range(1_500)]
    lines = [orjson.dumps(BOOK)] + [r if isinstance(r, bytes) else orjson.dumps(r) for r in bad] + [orjson.dumps(TRADE)]
    capture = tmp_path / "many.jsonl"
    capture.write_bytes(b"\n".join(lines) + b"\n")
    data_dir = DataDir(tmp_path / "data")
    result = import_capture(data_dir, capture)

    written = result.rejects.read_text().splitlines()
    assert len(written) == 1_500 and len(result.counts.issues) == 1_000
    assert [line.split(":")[1] for line in written] == [str(n) for n in range(2, 1_502)]
    assert written[1] == ("many.jsonl:3: 'exchange' 'venue1' is not one of binance, binancecoinm, binanceusdm, bitget, "
                          "bybit, gate, kucoin, kucoinfutures, okx (the venues mmwatch watches, mmwatch/venues.py)")
    assert written[0].startswith("many.jsonl:2: invalid JSON")
    assert result.counts.by_rule == {"exchange not a venue": 1_000, "invalid JSON": 500}
    assert result.counts.loaded["orderbook"] == 1 and result.counts.loaded["trade"] == 1


def test_an_import_without_rejects_leaves_no_rejects_file(tmp_path):
    capture = tmp_path / "clean.jsonl"
    capture.write_bytes(orjson.dumps(BOOK) + b"\n")
    data_dir = DataDir(tmp_path / "data")
    result = import_capture(data_dir, capture)
    assert result.rejects is None and not (data_dir.landing / "_rejects").exists()


def test_a_reason_is_one_line_whatever_the_value_holds(tmp_path):
    capture = tmp_path / "odd.jsonl"
    capture.write_bytes(orjson.dumps({**BOOK, "symbol": "BTC/\nUSDT", "exchange": "bin\r\nance"}) + b"\n"
                        + orjson.dumps({**TRADE, "type": "trade\nx"}) + b"\n"
                        + orjson.dumps({**BOOK, "exchange": "\x85"}) + b"\n"   # found by the fuzz test: NEL
                        + orjson.dumps({**BOOK, "symbol": "BTC/\u2028USDT"}) + b"\n")
    result = import_capture(DataDir(tmp_path / "data"), capture)
    written = result.rejects.read_text().splitlines()  # splits on NEL and U+2028 too
    assert [line.split(":")[1] for line in written] == ["1", "2", "3", "4"]
    assert written[2].startswith("odd.jsonl:3: 'exchange' '?' is not one of binance")
    assert written[3].startswith("odd.jsonl:4: 'symbol' 'BTC/?USDT' is not a ccxt unified symbol")
    assert written[0] == ("odd.jsonl:1: 'exchange' 'bin??ance' is not one of binance, binancecoinm, binanceusdm, bitget, "
                          "bybit, gate, kucoin, kucoinfutures, okx (the venues mmwatch watches, mmwatch/venues.py)")
    assert written[1] == ("odd.jsonl:2: unknown record type 'trade\\nx' "
                          "(expected one of orderbook, trade, ticker, funding, open_interest)")


def test_refused_books_of_both_paths_in_one_block(tmp_path):
    """Found by the fuzz test: rows refused from a block whose books came from both reader paths (a frame
    of several chunks, symbols longer than 12 bytes) made polars panic while wording the reasons: a
    traceback instead of a message."""
    careful = {"type": "orderbook", "exchange": "okx", "market_type": "future", "symbol": "ETH/USDT:USDT-261225",
               "timestamp": None, "received_at": T0, "nonce": 1,
               "bids": [[37846.6, 0.001], ["1", 384.4], [1.001, 1e308]], "asks": [[77421.2, 577.4]]}  # "1": careful path
    fast = {**BOOK, "timestamp": None, "received_at": T0 - 5_000, "bids": [], "asks": []}
    fast_refused = {**BOOK, "exchange": "gate", "symbol": "ETH/BTC", "timestamp": None, "received_at": T0 - 9_000,
                    "bids": [[0.001, 1e-6], [1.001, 1e308]], "asks": []}
    capture = tmp_path / "mixed.jsonl"
    capture.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in (careful, fast, fast_refused)))
    result = import_capture(DataDir(tmp_path / "data"), capture)
    assert [(issue.line, issue.reason) for issue in result.counts.issues] == [
        (1, "'bids' level 2: price 1.001, amount 1e+308: each must be finite and either 0 or of magnitude within "
            "[1e-18, 1e15]"),
        (3, "'bids' level 1: price 1.001, amount 1e+308: each must be finite and either 0 or of magnitude within "
            "[1e-18, 1e15]")]
    assert result.counts.loaded["orderbook"] == 1


def test_a_timestamp_beyond_64_bits_is_explained(tmp_path):
    """Found by the fuzz test: 2^63 was refused by the bulk path's cast but passed the explaining rules,
    so the line was rejected with a generic 'does not match the capture format'."""
    capture = tmp_path / "big.jsonl"
    capture.write_bytes(orjson.dumps({**TRADE, "received_at": 2**63}) + b"\n" + orjson.dumps({**BOOK, "nonce": 2**63})
                        + b"\n")
    result = import_capture(DataDir(tmp_path / "data"), capture)
    assert [str(issue) for issue in result.counts.issues] == [
        "big.jsonl:1: 'received_at' must be integer milliseconds, got 9223372036854775808",
        "big.jsonl:2: 'nonce' must be an integer or null, got 9223372036854775808"]
