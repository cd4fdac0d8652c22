"""landing_frame builds the same frame as pl.DataFrame(rows, schema=...) for every landing data set,
the odd rows included (missing keys, None or empty sides, int prices, NaN), and refuses what it refuses."""
import math

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from mmwatch.collector.landing_frame import landing_frame
from mmwatch.schemas import LANDING_SCHEMAS


def _book(n: int, **changes):
    row = {"exchange": "okx", "market_type": "swap", "symbol": "BTC/USDT:USDT", "exchange_ts": 1_700_000_000_000 + n,
           "received_ts": 1_700_000_000_100 + n, "nonce": n,
           "bids": [{"price": 100.0 - i - n / 10, "amount": 1.5 * i} for i in range(n % 4)],
           "asks": [{"price": 101 + i, "amount": 2 + i} for i in range(3)],  # ints, as a venue's JSON may give
           "source": "collector", "contract_size": 0.01}
    row.update(changes)
    return row


ODD_BOOKS = [_book(0, bids=None), _book(1, asks=[]), _book(2, nonce=None, exchange_ts=None),
             _book(3, bids=[{"price": math.nan, "amount": 1.0}, {"price": 99.0, "amount": None}]),
             {k: v for k, v in _book(5).items() if k != "contract_size"}]


@pytest.mark.parametrize("rows", [[_book(n) for n in range(12)], ODD_BOOKS, []], ids=["books", "odd", "none"])
def test_books_equal_polars_own_constructor(rows):
    schema = LANDING_SCHEMAS["orderbooks"]
    built = landing_frame(rows, schema)
    assert built.schema == schema
    assert_frame_equal(built, pl.DataFrame(rows, schema=schema))
    if rows:
        assert built["asks"][2].to_list() == [{"price": float(lv["price"]), "amount": float(lv["amount"])}
                                              for lv in rows[2]["asks"]]
        assert built["bids"].null_count() == sum(row.get("bids") is None for row in rows)


def test_every_landing_data_set_round_trips():
    trade = {"exchange": "gate", "market_type": "spot", "symbol": "ETH/USDT", "exchange_ts": 5, "received_ts": 6,
             "trade_id": "t1", "price": 10.5, "amount": 2, "side": "buy", "source": "collector", "contract_size": 1.0}
    error = {"exchange": "gate", "market_type": "spot", "symbol": "ETH/USDT", "dataset": "orderbooks",
             "received_ts": 7, "error_class": "NetworkError", "message": "down"}
    for dataset, schema in LANDING_SCHEMAS.items():
        sample = {"trades": [trade, dict(trade, trade_id=None, side=None)], "fetch_errors": [error]}.get(dataset)
        if sample is None:
            continue
        assert_frame_equal(landing_frame(sample, schema), pl.DataFrame(sample, schema=schema))


def test_a_level_that_is_not_a_number_is_refused():
    with pytest.raises(Exception):
        landing_frame([_book(4, asks=[{"price": "abc", "amount": 1.0}])], LANDING_SCHEMAS["orderbooks"])


def test_pair_levels_give_the_frame_of_dict_levels():
    as_dicts = [_book(n) for n in range(9)] + ODD_BOOKS[:3]
    as_pairs = [{**row, **{side: None if row[side] is None else tuple((lv["price"], lv["amount"]) for lv in row[side])
                           for side in ("bids", "asks")}} for row in as_dicts]
    schema = LANDING_SCHEMAS["orderbooks"]
    assert_frame_equal(landing_frame(as_pairs, schema), pl.DataFrame(as_dicts, schema=schema))


def test_a_collected_book_row_leaves_the_garbage_collectors_reach():
    """The buffered rows must not be walked by every full collection (docs/benchmarks.md 'Issue 17')."""
    import gc

    from mmwatch.collector.rows import MarketRef, book_row, level_pairs

    book = {"timestamp": 1, "nonce": 2, "bids": [[100.0 - i, 1.0 + i] for i in range(100)],
            "asks": [[101.0 + i, 2.0, 7] for i in range(100)]}  # [price, amount, count] as some venues give
    row = book_row(MarketRef("gate", "BTC/USDT", "spot"), book, 5)
    gc.collect()
    gc.collect()  # a pair tuple is let go in one pass, the tuple of them in the next, the row in a full one
    assert not gc.is_tracked(row["bids"]) and not gc.is_tracked(row["asks"]) and not gc.is_tracked(row)
    assert level_pairs(row["asks"])[:2] == [[101.0, 2.0], [102.0, 2.0]]
    assert level_pairs([{"price": 1.5, "amount": 2.5}]) == [[1.5, 2.5]]
