"""The door's rules on landing rows: the bounds at their edges, ccxt symbols, the time window and
its configuration; what passes the door is still judged by spec §1 (negative amounts land, invalid)."""
from __future__ import annotations

import polars as pl
import pytest

from mmwatch.door.limits import TimeWindow
from mmwatch.door.rules import Door
from mmwatch.errors import ConfigError
from mmwatch.lake.raw_rules import prepare_orderbooks
from mmwatch.schemas import LANDING_ORDERBOOKS, LANDING_TRADES

T0 = 1_763_683_200_000  # 2025-11-21
WINDOW = TimeWindow(1_356_998_400_000, T0 + 600_000)  # 2013-01-01 .. T0 + 10 min
DOOR = Door(WINDOW)


def _book(bids=((100.0, 1.0),), asks=((101.0, 1.0),), **fields) -> dict:
    row = {"exchange": "binance", "market_type": "spot", "symbol": "BTC/USDT", "exchange_ts": T0, "received_ts": T0 + 20,
           "nonce": None, "bids": [{"price": p, "amount": a} for p, a in bids],
           "asks": [{"price": p, "amount": a} for p, a in asks], "source": "t", "contract_size": 1.0}
    return {**row, **fields}


def _trade(**fields) -> dict:
    row = {"exchange": "gate", "market_type": "swap", "symbol": "ETH/USDT:USDT", "exchange_ts": T0, "received_ts": T0,
           "trade_id": "1", "price": 3100.0, "amount": 2.0, "side": "sell", "source": "t", "contract_size": 0.01}
    return {**row, **fields}


def _reasons(rows: list[dict], dataset: str = "orderbooks") -> dict[int, str]:
    schema = LANDING_ORDERBOOKS if dataset == "orderbooks" else LANDING_TRADES
    refusals = DOOR.refusals(pl.DataFrame(rows, schema=schema), dataset)
    return dict(zip(refusals["row"].to_list(), refusals["rule"].to_list()))


def test_level_bounds_at_their_edges():
    rows = [_book(asks=((1e15, 1e15),)), _book(bids=((1e-18, 1e-18),), asks=((1.0, 1.0),)),
            _book(asks=((1.000001e15, 1.0),)), _book(asks=((101.0, 1.000001e15),)),
            _book(bids=((9.9e-19, 1.0),)), _book(bids=((100.0, 9.9e-19),)),
            _book(bids=((100.0, 0.0),)),                 # amount 0: ignored level, passes
            _book(bids=((100.0, -5.0),)),                # negative amount: passes, invalid by spec §1
            _book(bids=((0.0, 1.0),)),                   # zero price: passes, invalid by spec §1
            _book(bids=((100.0, float("nan")),)), _book(asks=((float("inf"), 1.0),)), _book(bids=((None, 1.0),)),
            _book(bids=((100.0, -1e16),)),
            _book(bids=[(100.0 - i * 1e-3, 1.0) for i in range(10_000)]),
            _book(bids=[(100.0 - i * 1e-3, 1.0) for i in range(10_001)])]
    assert _reasons(rows) == {2: "level not finite or out of bounds", 3: "level not finite or out of bounds",
                              4: "level not finite or out of bounds", 5: "level not finite or out of bounds",
                              9: "level not finite or out of bounds", 10: "level not finite or out of bounds",
                              11: "level not finite or out of bounds", 12: "level not finite or out of bounds",
                              14: "too many levels"}
    landed = prepare_orderbooks(pl.DataFrame([rows[i] for i in (6, 7, 8)], schema=LANDING_ORDERBOOKS))
    assert landed["invalid_reason"].to_list() == [None, "bad_amount", "bad_price"]


def test_trade_values_must_be_positive_and_bounded():
    rows = [_trade(), _trade(price=1e15, amount=1e-18), _trade(price=0.0), _trade(amount=-1.0), _trade(price=1.1e15),
            _trade(amount=1e-19), _trade(price=float("nan")), _trade(amount=None), _trade(trade_id="9" * 129),
            _trade(trade_id="9" * 128), _trade(side="short"), _trade(side=None), _trade(contract_size=1e16),
            _trade(contract_size=None)]
    assert _reasons(rows, "trades") == {2: "trade price not positive", 3: "trade amount not positive",
                                        4: "trade price out of bounds", 5: "trade amount out of bounds",
                                        6: "trade price not positive", 7: "trade amount not positive",
                                        8: "id too long", 10: "side not buy/sell", 12: "contract_size out of bounds"}


@pytest.mark.parametrize("symbol", ["BTC/USDT", "BTC/USDT:USDT", "BTC/USD:BTC", "BTC/USD:BTC-240628",
                                    "BTC/USD:BTC-240628-70000-C", "1000PEPE/USDT:USDT", "USDC.E/USDT", "A" * 30 + "/" + "B" * 33])
def test_ccxt_unified_symbols_pass(symbol):
    assert _reasons([_book(symbol=symbol)]) == {}


@pytest.mark.parametrize("symbol, rule", [
    ("BTCUSDT", "symbol not ccxt unified"), ("BTC/USDT/", "symbol not ccxt unified"), ("BTC /USDT", "symbol not ccxt unified"),
    ("../BTC/USDT", "symbol not ccxt unified"), ("BTC/USDT:", "symbol not ccxt unified"), ("/USDT", "symbol not ccxt unified"),
    ("BTC/USDT\x00", "symbol not ccxt unified"), ("BTC/ÜSDT", "symbol not ccxt unified"), ("", "symbol not ccxt unified"),
    (None, "symbol not ccxt unified"), ("A" * 31 + "/" + "B" * 33, "symbol too long")])
def test_other_symbols_are_refused(symbol, rule):
    assert _reasons([_book(symbol=symbol)]) == {0: rule}


def test_timestamps_inside_the_window_pass_and_units_are_named():
    rows = [_book(exchange_ts=WINDOW.earliest_ms), _book(exchange_ts=WINDOW.latest_ms), _book(exchange_ts=None),
            _book(exchange_ts=WINDOW.earliest_ms - 1), _book(exchange_ts=WINDOW.latest_ms + 1),
            _book(exchange_ts=T0 // 1000), _book(exchange_ts=T0 * 1000), _book(exchange_ts=T0 * 1_000_000),
            _book(received_ts=None), _book(exchange_ts=None, received_ts=T0 // 1000)]
    assert _reasons(rows) == {3: "timestamp outside the time window", 4: "timestamp outside the time window",
                              5: "timestamp in seconds", 6: "timestamp in microseconds", 7: "timestamp in nanoseconds",
                              8: "received_at missing", 9: "received_at in seconds"}
    refusals = DOOR.refusals(pl.DataFrame(rows, schema=LANDING_ORDERBOOKS), "orderbooks")
    assert refusals["reason"].to_list()[2:5] == [
        f"'timestamp' {T0 // 1000} looks like seconds: multiply by 1000 (timestamps are integer milliseconds since the epoch)",
        f"'timestamp' {T0 * 1000} looks like microseconds: divide by 1000 (timestamps are integer milliseconds since the epoch)",
        f"'timestamp' {T0 * 1_000_000} looks like nanoseconds: divide by 1,000,000 (timestamps are integer milliseconds "
        f"since the epoch)"]


def test_the_window_is_configured_by_environment(monkeypatch):
    monkeypatch.setenv("MMWATCH_DOOR_EARLIEST", "2020-01-01")
    monkeypatch.setenv("MMWATCH_DOOR_FUTURE_SKEW_S", "60")
    assert TimeWindow.from_env(now_ms=T0) == TimeWindow(1_577_836_800_000, T0 + 60_000)
    monkeypatch.delenv("MMWATCH_DOOR_EARLIEST")
    monkeypatch.delenv("MMWATCH_DOOR_FUTURE_SKEW_S")
    assert TimeWindow.from_env(now_ms=T0) == TimeWindow(1_356_998_400_000, T0 + 600_000)  # HISTORY_START, 10 min
    monkeypatch.setenv("MMWATCH_DOOR_FUTURE_SKEW_S", "soon")
    with pytest.raises(ConfigError, match="MMWATCH_DOOR_FUTURE_SKEW_S='soon': give whole seconds >= 0"):
        TimeWindow.from_env()
    monkeypatch.setenv("MMWATCH_DOOR_FUTURE_SKEW_S", "0")
    monkeypatch.setenv("MMWATCH_DOOR_EARLIEST", "2020-02-30")
    with pytest.raises(ConfigError, match="MMWATCH_DOOR_EARLIEST: date '2020-02-30' does not exist"):
        TimeWindow.from_env()


def test_split_keeps_the_passing_rows_in_order():
    frame = pl.DataFrame([_book(nonce=1), _book(nonce=2, exchange="foo"), _book(nonce=3)], schema=LANDING_ORDERBOOKS)
    passed, refusals = DOOR.split(frame, "orderbooks")
    assert passed["nonce"].to_list() == [1, 3] and refusals["row"].to_list() == [1]


def test_doors_at_two_windows_judge_time_by_their_own_window_and_share_the_rest():
    """The window-free rules are built once and shared; the time rules are each door's own."""
    early, late = Door(TimeWindow(WINDOW.earliest_ms, T0 + 1_000)), Door(TimeWindow(WINDOW.earliest_ms, T0 + 60_000))
    rows = pl.DataFrame([_book(exchange_ts=T0 + 30_000, received_ts=T0 + 30_000), _book(symbol="btcusdt")],
                        schema=LANDING_ORDERBOOKS)
    assert early.refusals(rows, "orderbooks")["rule"].to_list() == ["received_at outside the time window",
                                                                     "symbol not ccxt unified"]
    assert late.refusals(rows, "orderbooks")["rule"].to_list() == ["symbol not ccxt unified"]
    assert early.checks("orderbooks")[0] is late.checks("orderbooks")[0]  # exchange: one expression for both
    assert early.checks("orderbooks")[4] is not late.checks("orderbooks")[4]  # received_at: one per window


def test_a_data_set_without_rules_is_named():
    with pytest.raises(ValueError, match="no rules for data set 'tickers'"):
        DOOR.refusals(pl.DataFrame([_book()], schema=LANDING_ORDERBOOKS), "tickers")
