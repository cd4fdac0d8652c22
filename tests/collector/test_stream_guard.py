"""The collector's own checks on raw book messages (what ccxt.pro 4.5.90 does not check): contiguous
ids (Bybit u, KuCoin sequenceStart/End, KuCoin futures' sequence, Gate spot.obu U/u), OKX's checksum over the venue's strings
against the book ccxt.pro keeps, and the update id of books ccxt.pro keeps none for (Bybit, Bitget)."""
from __future__ import annotations

import zlib

import ccxt.pro

from mmwatch.collector.stream_guard import StreamGuard
from mmwatch.collector.stream_messages import book_message

MARKETS = {"BTC/USDT": {"id": "BTCUSDT", "spot": True}, "BTC/USDT:USDT": {"id": "BTCUSDT", "spot": False},
           "ETH/USDT": {"id": "ETH-USDT", "spot": True}, "BTC-USDT": {"id": "BTC-USDT", "spot": True}}


class Client:
    def __init__(self, url: str):
        self.url = url


def guard(venue: str, symbols, markets: dict = MARKETS) -> StreamGuard:
    checks = StreamGuard(venue, lambda: markets)
    checks.watch(symbols)
    return checks


def kucoin(start: int, end: int) -> dict:
    return {"type": "message", "topic": "/market/level2:ETH-USDT", "subject": "trade.l2update",
            "data": {"sequenceStart": start, "sequenceEnd": end, "symbol": "ETH-USDT", "changes": {}}}


def run(checks: StreamGuard, client, messages, books=None) -> list:
    applied, problems = [], []
    for message in messages:
        problems += checks.handle(client, message, lambda m=message: applied.append(m), books or {})
    assert applied == list(messages)  # ccxt.pro handles every message, whatever we find
    return problems


def test_kucoin_sequences_must_follow_each_other_on_a_connection():
    checks, client = guard("kucoin", ["ETH/USDT"]), Client("ws://sim/kucoin/ws-api-spot/")
    assert run(checks, client, [kucoin(10, 12), kucoin(13, 13), kucoin(14, 16)]) == []
    assert run(checks, client, [kucoin(14, 16)]) == []  # a duplicate: not newer, harmless
    assert run(checks, client, [kucoin(18, 19)]) == [("ETH/USDT", "gap")]  # 17 never came
    assert run(checks, Client("ws://sim/other"), [kucoin(40, 41)]) == []  # a new connection starts afresh
    checks.forget("ETH/USDT")
    assert run(checks, client, [kucoin(90, 91), kucoin(92, 92)]) == [] and checks.update_ids["ETH/USDT"] == 92


def test_kucoin_futures_per_change_sequences_must_follow_each_other():
    checks = guard("kucoinfutures", ["BTC/USDT:USDT"], {"BTC/USDT:USDT": {"id": "XBTUSDTM", "swap": True}})
    client = Client("ws://sim/kucoinfutures/ws-api-futures/")

    def change(seq, topic="/contractMarket/level2:XBTUSDTM"):
        return {"type": "message", "topic": topic, "subject": "level2",
                "data": {"sequence": seq, "change": "96800.0,buy,10", "timestamp": 1795136400000}}
    assert run(checks, client, [change(500), change(501), change(502)]) == []
    assert run(checks, client, [change(502)]) == []  # a duplicate: not newer, harmless
    assert run(checks, client, [change(505)]) == [("BTC/USDT:USDT", "gap")]  # 503, 504 never came
    assert checks.update_ids["BTC/USDT:USDT"] == 505
    assert book_message("kucoinfutures", "ws://x", change(7, "/contractMarket/level2Depth5:XBTUSDTM")) is None


def test_bybit_spot_and_linear_share_an_id_apart_and_land_seq():
    checks = guard("bybit", ["BTC/USDT", "BTC/USDT:USDT"])
    spot, linear = Client("ws://sim/bybit/v5/public/spot"), Client("ws://sim/bybit/v5/public/linear")

    def delta(u, seq, kind="delta"):
        return {"topic": "orderbook.50.BTCUSDT", "type": kind, "ts": 1, "data": {"s": "BTCUSDT", "b": [], "a": [],
                                                                                "u": u, "seq": seq}}
    assert run(checks, spot, [delta(1, 500, "snapshot"), delta(2, 507)]) == []
    assert run(checks, linear, [delta(7, 900, "snapshot"), delta(9, 911)]) == [("BTC/USDT:USDT", "gap")]
    assert checks.update_ids == {"BTC/USDT": 507, "BTC/USDT:USDT": 911}
    assert run(checks, spot, [delta(1, 600, "snapshot"), delta(2, 601)]) == []  # a snapshot restarts u


def test_gate_spot_obu_full_book_restarts_the_sequence():
    checks = guard("gate", ["BTC/USDT"], {"BTC/USDT": {"id": "BTC_USDT", "spot": True}})
    client = Client("ws://sim/gate/ws/v4/")

    def obu(first, last, full=False):
        result = {"t": 1, "s": "ob.BTC_USDT.400", "u": last, "b": [], "a": []}
        result.update({"full": True} if full else {"U": first})
        return {"channel": "spot.obu", "event": "update", "result": result}
    assert run(checks, client, [obu(None, 100, True), obu(101, 101), obu(102, 104)]) == []
    assert run(checks, client, [obu(106, 106)]) == [("BTC/USDT", "gap")]
    assert run(checks, client, [obu(None, 200, True), obu(201, 201)]) == []


def okx_checksum(bids, asks) -> int:
    parts = []
    for i in range(25):
        if i < len(bids):
            parts += bids[i]
        if i < len(asks):
            parts += asks[i]
    value = zlib.crc32(":".join(parts).encode())
    return value - 2 ** 32 if value >= 2 ** 31 else value


def okx(action, bids, asks, seq, checksum):
    return {"arg": {"channel": "books", "instId": "BTC-USDT"}, "action": action,
            "data": [{"bids": bids, "asks": asks, "seqId": seq, "prevSeqId": seq - 1, "checksum": checksum, "ts": "1"}]}


def test_okx_checksum_is_verified_over_the_venues_strings_against_the_kept_book():
    checks, client = guard("okx", ["BTC-USDT"]), Client("ws://sim/okx/ws/v5/public")
    bids = [["100.10", "1.500", "0", "1"], ["100.00", "2", "0", "1"]]
    asks = [["100.20", "0.70", "0", "1"]]
    book = ccxt.pro.okx().order_book({"bids": [[100.1, 1.5], [100.0, 2.0]], "asks": [[100.2, 0.7]]})
    books = {"BTC-USDT": book}
    good = okx_checksum([level[:2] for level in bids], [level[:2] for level in asks])
    assert run(checks, client, [okx("snapshot", bids, asks, 5, good)], books) == []
    # an update: the best bid goes, a new ask comes; the venue's checksum of the result
    book["bids"].store(100.1, 0)
    book["asks"].store(100.25, 3.0)
    after = okx_checksum([["100.00", "2"]], [["100.20", "0.70"], ["100.25", "3"]])
    update = okx("update", [["100.10", "0", "0", "0"]], [["100.25", "3", "0", "1"]], 6, after)
    assert run(checks, client, [update], books) == [] and checks.update_ids["BTC-USDT"] == 6
    assert run(checks, client, [okx("update", [], [], 7, after ^ 0x5A5A)], books) == [("BTC-USDT", "checksum")]
    book["bids"].store(99.0, 1.0)  # a level the venue never sent: the kept book is not the venue's
    assert run(checks, client, [okx("update", [], [], 8, after)], books) == [("BTC-USDT", "checksum")]


def test_messages_that_are_not_books_or_venues_ccxt_checks_are_passed_through():
    assert book_message("binance", "ws://x", {"e": "depthUpdate", "U": 1, "u": 2}) is None
    assert book_message("okx", "ws://x", {"event": "subscribe", "arg": {"channel": "books"}}) is None
    assert book_message("kucoin", "ws://x", "pong") is None
    assert book_message("bitget", "ws://x", {"arg": {"channel": "books", "instId": "BTCUSDT", "instType": "SPOT"},
                                             "action": "snapshot", "data": [{"seq": 77}]}).nonce == 77
