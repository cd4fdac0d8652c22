"""The reader's fast path (writer-shaped lines) decides exactly as the careful path does."""
from __future__ import annotations

import json
import re

import orjson
import pytest

from imported_lines import import_lines as _import, reordered as _reordered
from mmwatch.capture.own_shape import ORDERBOOK_SHAPE, TRADE_SHAPE
from mmwatch.capture.writer import orderbook_record, trade_record

T0 = 1_763_683_200_000  # 2025-11-21 00:00:00 UTC
BOOK = orderbook_record("binance", "spot", "BTC/USDT", T0, T0 + 20, [[97000.1, 0.5], [96999.0, 0.0]],
                        [[97000.2, 0.3]], nonce=7)
TRADE = trade_record("gate", "swap", "ETH/USDT:USDT", None, T0 + 5, 5731298, 3100.5, 0.25, "sell")


def test_writer_lines_take_the_fast_path_and_reordered_lines_land_the_same_rows(tmp_path):
    records = [BOOK, {**BOOK, "timestamp": None, "nonce": None, "bids": []}, TRADE,
               {**TRADE, "id": "abc", "side": None, "timestamp": T0 + 9}]
    compact = [orjson.dumps(r) for r in records]
    spaced = [json.dumps(r).encode() for r in records]  # ", " and ": " separators
    assert [bool(re.match(ORDERBOOK_SHAPE, line.decode())) for line in compact] == [True, True, False, False]
    assert [bool(re.match(TRADE_SHAPE, line.decode() + "\n")) for line in spaced] == [False, False, True, True]
    fast, fast_books, fast_trades = _import(tmp_path, "fast", compact)
    _, spaced_books, spaced_trades = _import(tmp_path, "spaced", spaced)
    careful, careful_books, careful_trades = _import(tmp_path, "careful", [_reordered(r) for r in records])
    assert fast.counts.loaded == careful.counts.loaded and not fast.counts.issues and not careful.counts.issues
    assert fast_books == spaced_books == careful_books
    assert fast_trades == spaced_trades == careful_trades
    assert fast_books[1]["bids"] == [] and fast_books[1]["exchange_ts"] is None
    assert fast_books[0]["bids"] == [{"price": 97000.1, "amount": 0.5}, {"price": 96999.0, "amount": 0.0}]
    assert [t["trade_id"] for t in fast_trades] == ["5731298", "abc"]  # integer ids as text


@pytest.mark.parametrize("line, problem", [
    (orjson.dumps(BOOK)[:-20], "invalid JSON"),  # shaped, cut short
    (orjson.dumps({**BOOK, "bids": [[97000.1]]}), "'bids' level 0: expected [price, amount]"),
    (orjson.dumps({**BOOK, "asks": [[97000.2, None]]}), "'asks' level 0: price and amount must be numbers"),
    (orjson.dumps({k: v for k, v in BOOK.items() if k != "asks"}), "missing field 'asks'"),
    (orjson.dumps({**BOOK, "asks": {"97000.2": 0.3}}), "'asks' must be a list"),
    (orjson.dumps(TRADE).replace(b"3100.5", b"1e999"), "invalid JSON"),  # DuckDB reads inf: careful path
    (orjson.dumps(TRADE).replace(b'"sell"', b'"short"'), "'side' must be 'buy', 'sell' or null"),
])
def test_shaped_lines_that_break_a_rule_are_reported_with_their_line(tmp_path, line, problem):
    result, books, trades = _import(tmp_path, "bad", [orjson.dumps(BOOK), line, orjson.dumps(TRADE)])
    assert [(issue.line, issue.reason[:len(problem)]) for issue in result.counts.issues] == [(2, problem)]
    assert len(books) == 1 and len(trades) == 1


def test_a_level_with_extra_entries_keeps_its_first_two_like_the_careful_path(tmp_path):
    line = orjson.dumps({**BOOK, "bids": [[97000.1, 0.5, 3], [96999.0, 1.0]]})
    result, books, _ = _import(tmp_path, "extra", [line])
    assert not result.counts.issues
    assert books[0]["bids"] == [{"price": 97000.1, "amount": 0.5}, {"price": 96999.0, "amount": 1.0}]


def test_a_line_that_is_not_utf8_is_reported_and_the_block_still_loads(tmp_path):
    bad = orjson.dumps({**BOOK, "nonce": 8}).replace(b"]]}", b"]]}\xff")
    result, books, trades = _import(tmp_path, "latin", [orjson.dumps(BOOK), bad, orjson.dumps(TRADE)])
    assert [issue.line for issue in result.counts.issues] == [2]
    assert len(books) == 1 and len(trades) == 1
