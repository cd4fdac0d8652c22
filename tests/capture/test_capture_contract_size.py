"""Captures keep the contract size (capture-format.md): `record` writes it for contract markets,
`import` lands it on both reader paths; absent or null is 1.0; a bad value rejects the line."""
from __future__ import annotations

import duckdb
import orjson
import pyarrow as pa
import pytest

from imported_lines import import_lines as _import, landed_rows as _landed, reordered as _reordered
from mmwatch.capture.own_shape import parse_fast, shapes
from mmwatch.capture.importer import import_capture
from mmwatch.capture.writer import orderbook_record, trade_record
from mmwatch.collector.sinks import CaptureSink
from mmwatch.settings import DataDir

T0 = 1_763_683_200_000  # 2025-11-21 00:00:00 UTC
LINEAR = ("okx", "swap", "BTC/USDT:USDT", 0.01)  # 0.01 BTC a contract
INVERSE = ("binancecoinm", "swap", "BTC/USD:BTC", 100.0)  # 100 USD a contract
SPOT = ("binance", "spot", "BTC/USDT", 1.0)


def _book_row(market, received_ts, bids, asks):
    exchange, market_type, symbol, contract_size = market
    return {"exchange": exchange, "market_type": market_type, "symbol": symbol, "exchange_ts": received_ts - 9,
            "received_ts": received_ts, "nonce": None, "source": "collector", "contract_size": contract_size,
            "bids": [{"price": p, "amount": a} for p, a in bids], "asks": [{"price": p, "amount": a} for p, a in asks]}


def _trade_row(market, trade_id, received_ts, price, amount):
    exchange, market_type, symbol, contract_size = market
    return {"exchange": exchange, "market_type": market_type, "symbol": symbol, "exchange_ts": received_ts - 4,
            "received_ts": received_ts, "trade_id": trade_id, "price": price, "amount": amount, "side": "sell",
            "source": "collector", "contract_size": contract_size}


def test_recorded_contract_sizes_come_back_on_import(tmp_path):
    books = [_book_row(LINEAR, T0 + 100, [(97000.1, 35.0)], [(97000.2, 12.0)]),
             _book_row(INVERSE, T0 + 200, [(96990.5, 420.0)], [(96991.0, 7.0)]),
             _book_row(SPOT, T0 + 300, [(97001.0, 0.35)], [(97001.5, 0.12)])]
    trades = [_trade_row(LINEAR, "9001", T0 + 150, 97000.2, 3.0), _trade_row(INVERSE, "9002", T0 + 250, 96991.0, 50.0),
              _trade_row(SPOT, "9003", T0 + 350, 97001.5, 0.03)]
    sink = CaptureSink(tmp_path / "perps.jsonl")
    for row in books:
        sink.add("orderbooks", row)
    for row in trades:
        sink.add("trades", row)
    sink.close()

    written = [orjson.loads(line) for line in (tmp_path / "perps.jsonl").read_bytes().splitlines()]
    # contract markets carry it, last; spot leaves it out (absent = 1, base units)
    assert [list(r)[-1] for r in written] == ["contract_size", "contract_size", "asks",
                                             "contract_size", "contract_size", "side"]
    assert [r.get("contract_size") for r in written] == [0.01, 100.0, None, 0.01, 100.0, None]

    data_dir = DataDir(tmp_path / "data")
    result = import_capture(data_dir, tmp_path / "perps.jsonl")
    assert not result.counts.issues and result.counts.loaded["orderbook"] == 3 and result.counts.loaded["trade"] == 3
    without_source = [{k: v for k, v in row.items() if k != "source"} for row in books + trades]
    assert _landed(data_dir, "orderbooks") + _landed(data_dir, "trades") == without_source


BOOK = orderbook_record(*LINEAR[:3], T0, T0 + 20, [[97000.1, 35.0]], [[97000.2, 12.0]], nonce=7,
                        contract_size=LINEAR[3])
TRADE = trade_record(*INVERSE[:3], T0 + 5, T0 + 30, "81", 96991.0, 50.0, "buy", INVERSE[3])
NO_SIZE_BOOK = {k: v for k, v in BOOK.items() if k != "contract_size"}
NO_SIZE_TRADE = {k: v for k, v in TRADE.items() if k != "contract_size"}


def test_writer_shaped_contract_lines_take_the_fast_path():
    lines = [orjson.dumps(r) for r in (BOOK, TRADE, {**BOOK, "contract_size": None}, {**TRADE, "contract_size": None},
                                       NO_SIZE_BOOK, NO_SIZE_TRADE)]
    binary = pa.array(lines, pa.large_binary())
    shape, partition = shapes(binary)
    assert shape.to_pylist() == [0, 1, 0, 1, 0, 1]  # book-shaped, trade-shaped
    books, trades, not_taken = parse_fast(duckdb.connect(), pa.array(range(1, 7), pa.int64()), binary, shape, partition)
    assert len(not_taken) == 0
    assert books.column("contract_size").to_pylist() == [0.01, 1.0, 1.0]
    assert trades.column("contract_size").to_pylist() == [100.0, 1.0, 1.0]


def test_fast_and_careful_paths_land_the_same_contract_rows(tmp_path):
    records = [BOOK, TRADE, {**BOOK, "contract_size": None, "received_at": T0 + 40},
               {**TRADE, "contract_size": None, "id": "82"}, {**NO_SIZE_BOOK, "received_at": T0 + 60},
               {**NO_SIZE_TRADE, "id": "83"}, {**BOOK, "contract_size": 3, "received_at": T0 + 80}]
    fast, fast_books, fast_trades = _import(tmp_path, "fast", [orjson.dumps(r) for r in records])
    careful, careful_books, careful_trades = _import(tmp_path, "careful", [_reordered(r) for r in records])
    assert not fast.counts.issues and not careful.counts.issues
    assert [row["contract_size"] for row in fast_books] == [0.01, 1.0, 1.0, 3.0]  # absent and null: 1.0
    assert sorted(row["contract_size"] for row in fast_trades) == [1.0, 1.0, 100.0]
    assert fast_books == careful_books and fast_trades == careful_trades


BAD_SIZES = [("0.01", "'0.01'"), ("abc", "'abc'"), (0, "0"), (0.0, "0.0"), (-100, "-100"), (True, "True"),
             ([0.01], "[0.01]"), ({"size": 1}, "{'size': 1}")]


@pytest.mark.parametrize("record", [BOOK, TRADE], ids=["orderbook", "trade"])
@pytest.mark.parametrize("shaped", [True, False], ids=["writer-order", "reordered"])
@pytest.mark.parametrize("value, shown", BAD_SIZES, ids=[shown for _, shown in BAD_SIZES])
def test_a_bad_contract_size_rejects_the_line_with_file_line_and_field(tmp_path, record, shaped, value, shown):
    bad = {**record, "contract_size": value}
    line = orjson.dumps(bad) if shaped else _reordered(bad)
    result, books, trades = _import(tmp_path, "sizes", [orjson.dumps(BOOK), line, orjson.dumps(TRADE)])
    assert [str(issue) for issue in result.counts.issues] == [
        "sizes.jsonl:2: 'contract_size' must be a positive number (ccxt contractSize: base units per contract, "
        f"quote units for inverse contracts) or null, got {shown}"]
    assert dict(result.counts.rejected) == {record["type"]: 1}
    assert [row["contract_size"] for row in books + trades] == [0.01, 100.0]  # the good lines still land


def test_a_contract_size_too_large_for_a_double_is_rejected(tmp_path):
    line = orjson.dumps(TRADE).replace(b'"contract_size":100.0', b'"contract_size":1e999')
    result, _, trades = _import(tmp_path, "huge", [line, orjson.dumps(TRADE)])
    assert [(issue.line, issue.reason[:12]) for issue in result.counts.issues] == [(1, "invalid JSON")]
    assert len(trades) == 1


def test_the_simulators_captured_day_carries_each_swap_markets_contract_size(tmp_path):
    from simulator.capture_day import capture_day
    from simulator.scenario import load_scenario

    scenario = load_scenario("scenarios/venues.yaml")
    captured = capture_day(scenario, tmp_path / "venues.jsonl", hours=1 / 60)  # 00:00's books and trades
    assert captured.trades > 0
    sizes = {(r["exchange"], r["symbol"], r["type"]): r.get("contract_size")
             for r in map(orjson.loads, captured.path.read_bytes().splitlines())}
    assert sizes[("okx", "BTC/USDT:USDT", "orderbook")] == 0.01
    assert sizes[("gate", "BTC/USDT:USDT", "orderbook")] == 0.0001
    assert sizes[("kucoinfutures", "SOL/USDT:USDT", "orderbook")] == 0.1
    assert sizes[("binanceusdm", "BTC/USDT:USDT", "orderbook")] == 1.0  # a contract market, counted in base units
    assert sizes[("okx", "BTC/USDT", "orderbook")] is None  # spot: absent
    assert sizes[("okx", "BTC/USDT:USDT", "trade")] == 0.01 and sizes[("okx", "BTC/USDT", "trade")] is None
    data_dir = DataDir(tmp_path / "data")
    result = import_capture(data_dir, captured.path)
    assert not result.counts.issues and result.counts.loaded["orderbook"] == captured.orderbooks
    landed = {(r["exchange"], r["symbol"]): r["contract_size"] for r in _landed(data_dir, "orderbooks")}
    assert landed[("okx", "BTC/USDT:USDT")] == 0.01 and landed[("okx", "BTC/USDT")] == 1.0
