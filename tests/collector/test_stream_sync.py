"""The sync state of one streamed book and the causes read from ccxt.pro's exceptions (real ccxt errors)."""
from __future__ import annotations

import ccxt
import pytest

from mmwatch.collector.rows import MarketRef
from mmwatch.collector.stream_sync import OUT_OF_SYNC, SyncState, Unsynced, cause_of

MARKET = MarketRef("binance", "BTC/USDT", "spot")


def synced_state(stall_ms: int = 5000) -> SyncState:
    state = SyncState(stall_ms)
    state.updated(1_000, 10)  # the rebuilt book (snapshot)
    state.updated(1_100, 11)  # a live update on top of it
    return state


def test_in_sync_only_after_a_live_update_on_the_rebuilt_book():
    state = SyncState(5000)
    assert state.updated(1_000, 10) is None and not state.in_sync  # snapshot only
    assert state.updated(1_050, 10) is None and not state.in_sync  # the same book again: no live update
    assert state.updated(1_100, 11) is None and state.in_sync  # first sync after a start: no interval
    assert (state.resyncs, state.last_update_ms) == (0, 1_100)


def test_an_interval_opens_at_the_first_loss_and_ends_at_the_resync_with_its_first_cause():
    state = synced_state()
    assert state.lost("gap", 2_000) is True and not state.in_sync
    assert state.lost("disconnect", 2_300) is False  # still the same interval, first cause kept
    assert state.updated(2_500, 40) is None and not state.in_sync  # rebuilt, not yet live
    ended = state.updated(2_600, 41)
    assert ended == Unsynced("gap", 2_000, 2_600) and state.in_sync and state.resyncs == 1
    assert ended.message() == "cause=gap unsynced_ms=600 from=2000 to=2600"
    row = ended.row(MARKET)
    assert (row["dataset"], row["error_class"], row["received_ts"], row["message"]) == (
        "orderbooks", OUT_OF_SYNC, 2_600, "cause=gap unsynced_ms=600 from=2000 to=2600")


def test_a_loss_while_rebuilding_starts_the_rebuild_again():
    state = synced_state()
    state.lost("checksum", 2_000)
    state.updated(2_100, 50)  # rebuilt
    state.lost("disconnect", 2_200)  # the rebuilt book is gone again
    assert state.updated(2_300, 51) is None and not state.in_sync  # this is a rebuild, not a live update
    assert state.updated(2_400, 52) == Unsynced("checksum", 2_000, 2_400)


def test_a_book_without_update_ids_needs_two_successful_watches():
    state = SyncState(5000)
    state.updated(1_000, None)
    assert not state.in_sync
    state.updated(1_100, None)
    assert state.in_sync


def test_stalled_after_stall_ms_without_update_and_only_in_sync():
    state = synced_state(stall_ms=1_000)
    assert not state.stalled(2_099) and state.stalled(2_100)
    state.lost("stall", 2_100)
    assert not state.stalled(9_000)


def test_nothing_is_lost_before_the_first_sync_and_close_ends_an_open_interval():
    fresh = SyncState(5000)
    assert fresh.lost("disconnect", 500) is False and fresh.close(900) is None
    state = synced_state()
    assert state.close(1_500) is None  # in sync: nothing open
    state.lost("server_close", 2_000)
    assert state.close(2_750) == Unsynced("server_close", 2_000, 2_750)
    assert state.close(2_800) is None  # recorded once


@pytest.mark.parametrize("venue,error,cause", [
    ("okx", ccxt.InvalidNonce("okx watchOrderBook received invalid nonce"), "gap"),
    ("binance", ccxt.ChecksumError("binance BTC/USDT : orderbook data checksum validation failed"), "gap"),
    ("binanceusdm", ccxt.ChecksumError("binanceusdm ETH/USDT:USDT : checksum"), "gap"),
    ("bitget", ccxt.ChecksumError("bitget BTC/USDT : orderbook data checksum validation failed"), "checksum"),
    ("gate", ccxt.ChecksumError("gate BTC_USDT:USDT : orderbook data checksum validation failed"), "gap"),
    ("binance", ccxt.NetworkError("Connection closed by remote server, closing code 1001"), "server_close"),
    ("okx", ccxt.NetworkError("Connection closed by remote server, closing code 1000"), "server_close"),
    ("binance", ccxt.NetworkError("Connection closed by remote server, closing code 1006"), "disconnect"),
    ("kucoin", ccxt.RequestTimeout("Connection timeout"), "disconnect"),
    ("bybit", ccxt.NetworkError("Cannot connect to host 127.0.0.1:1"), "disconnect"),
    ("binance", ccxt.ExchangeError("binance nonce is behind the cache after 3 tries."), "error"),
])
def test_cause_of_ccxt_pro_errors(venue, error, cause):
    assert cause_of(venue, error) == cause


def test_a_weak_cause_gives_way_to_the_telling_one_seen_before_the_resync():
    state = synced_state()
    cause = cause_of("bitget", ccxt.UnsubscribeError("bitget orderbook:BTC/USDT"))
    assert cause == "unsubscribed" and state.lost(cause, 2_000)
    state.lost(cause_of("bitget", ccxt.ChecksumError("bitget BTC/USDT : checksum")), 2_010)
    state.lost("reconnect", 2_020)  # telling too, but the interval already has its cause
    state.updated(2_100, 60)
    assert state.updated(2_200, 61) == Unsynced("checksum", 2_000, 2_200)


def test_nothing_a_book_being_resubscribed_shows_counts():
    state = synced_state()
    state.lost("gap", 2_000)
    state.resubscribing = True
    assert state.updated(2_050, 30) is None and state.updated(2_100, 31) is None and not state.in_sync
    state.resubscribing = False
    state.updated(2_300, 40)
    assert state.updated(2_400, 41) == Unsynced("gap", 2_000, 2_400)
