"""`mmwatch book` on a hand-made lake without a warehouse: which snapshot is the book at T (usable
only, the newest received of equal ts, found on an earlier day's partition), levels in base units
as staging converts them (inverse contracts per level), and the note when no day is built."""
from __future__ import annotations

import pytest

from dbt_harness import day_start_ms, snapshot, write_lake_orderbooks

from mmwatch.errors import MmwatchError
from mmwatch.evidence.book import NoBook, book_at, market_of, parse_at
from mmwatch.settings import DataDir

DAY = "2026-05-02"
D0 = day_start_ms(DAY)
S = 1000


@pytest.fixture(scope="module")
def layout(tmp_path_factory) -> DataDir:
    root = tmp_path_factory.mktemp("book_lake")
    book = ([(100.0, 2.0), (99.0, 0.0), (98.0, 1.0)], [(101.0, 1.0), (102.0, 3.0)])
    rows = [
        snapshot("binance", "BTC/USDT", D0 - 60 * S, *book),  # the previous day, 1 min before midnight
        snapshot("binance", "BTC/USDT", D0 + 10 * S, *book),
        snapshot("binance", "BTC/USDT", D0 + 20 * S, [(101.5, 1.0)], [(101.0, 1.0)], invalid_reason="crossed_book"),
        # inverse: 3 contracts of 100 USD at 50,000 = 0.006 BTC; listed away from the touch
        snapshot("binancecoinm", "BTC/USD:BTC", D0 + 5 * S, [(49_990.0, 3.0), (50_000.0, 4.0)], [(50_010.0, 3.0)],
                 market_type="swap", contract_size=100.0),
        snapshot("okx", "ETH/USDT", D0 + 5 * S, [(10.0, 1.0)], [(9.0, 1.0)], invalid_reason="crossed_book"),
    ]
    write_lake_orderbooks(root, rows)
    return DataDir(root)


def test_the_invalid_snapshot_is_never_the_book(layout):
    answer = book_at(layout, market_of("binance", "BTC/USDT", None), D0 + 25 * S)
    assert (answer.snapshot.ts, answer.age_ms) == (D0 + 10 * S, 15 * S)
    # the zero-amount level is dropped (spec §1), bids from the touch
    assert (answer.snapshot.bids, answer.snapshot.asks) == ([(100.0, 2.0), (98.0, 1.0)], [(101.0, 1.0), (102.0, 3.0)])
    assert answer.snapshot.venue_bids == [(100.0, 2.0), (99.0, 0.0), (98.0, 1.0)]
    assert answer.metrics is None and answer.notes == [
        f"spec §2 metrics and obligations not shown: no warehouse at {layout.warehouse}: run `mmwatch build --date "
        "<day>` first"]


def test_a_book_of_the_previous_day_is_found(layout):
    answer = book_at(layout, market_of("binance", "BTC/USDT", None), D0 + 5 * S)
    assert (answer.snapshot.ts, answer.age_ms) == (D0 - 60 * S, 65 * S)
    assert "day=2026-05-01" in str(answer.snapshot.file)


def test_inverse_contracts_become_base_units_per_level(layout):
    answer = book_at(layout, market_of("binancecoinm", "BTC/USD:BTC", None), D0 + 6 * S)
    assert answer.snapshot.bids == [(50_000.0, pytest.approx(400 / 50_000, rel=1e-15)),
                                    (49_990.0, pytest.approx(300 / 49_990, rel=1e-15))]
    assert answer.snapshot.asks == [(50_010.0, pytest.approx(300 / 50_010, rel=1e-15))]


def test_one_lines(layout):
    with pytest.raises(NoBook, match=r"^okx ETH/USDT \(spot\) has no usable snapshot at all \(only invalid ones"):
        book_at(layout, market_of("okx", "ETH/USDT", None), D0 + 60 * S)
    with pytest.raises(NoBook, match=r"was never collected: .*; okx has ETH/USDT$"):
        book_at(layout, market_of("okx", "BTC/USDT", None), D0 + 60 * S)
    with pytest.raises(NoBook, match=r"; nothing of bybit at all$"):
        book_at(layout, market_of("bybit", "BTC/USDT", None), D0)
    # exactly 5 minutes old is still the book; 1 ms more is a gap (spec §6: no data for 5 minutes)
    assert book_at(layout, market_of("binance", "BTC/USDT", None), D0 + 310 * S).age_ms == 300 * S
    with pytest.raises(NoBook, match=r"coverage gap .*\(300\.001 s earlier"):
        book_at(layout, market_of("binance", "BTC/USDT", None), D0 + 310 * S + 1)


def test_bad_input_is_an_error():
    for bad in (lambda: market_of("nasdaq", "BTC/USDT", None), lambda: market_of("binance", "BTC-USDT", None),
                lambda: parse_at("noon")):
        with pytest.raises(MmwatchError) as raised:
            bad()
        assert not isinstance(raised.value, NoBook)
    assert parse_at("2026-05-02T00:00:10Z") == parse_at("2026-05-02 00:00:10") == D0 + 10 * S
    assert parse_at("2026-05-02T02:00:10+02:00") == D0 + 10 * S
    assert parse_at(str(D0)) == D0
