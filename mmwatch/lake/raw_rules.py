"""From landing rows to lake rows: event time, content keys, validity (spec §1).

Pure functions over polars frames; the validity rules are vectorised list
expressions (no Python loop over levels).
"""
from __future__ import annotations

import polars as pl

from mmwatch.lake.raw_ids import snapshot_ids, trade_keys
from mmwatch.lake.tables import INVALID_REASONS
from mmwatch.schemas import with_defaults



def event_time() -> pl.Expr:
    """ts = exchange_ts when the venue gave one, else received_ts."""
    return pl.coalesce("exchange_ts", "received_ts").alias("ts")


def utc_day_of(column: str) -> pl.Expr:
    """The UTC day (YYYY-MM-DD) of an epoch-milliseconds column."""
    return pl.from_epoch(pl.col(column), time_unit="ms").dt.strftime("%Y-%m-%d")


def _side_checks(side: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(has bad price, has bad amount, prices of live levels) of one book side.

    A level with amount exactly 0 is ignored by every rule. Nulls read as NaN,
    i.e. non-finite, so a null price or amount makes the snapshot invalid.
    """
    price = pl.element().struct.field("price").fill_null(float("nan"))
    amount = pl.element().struct.field("amount").fill_null(float("nan"))
    live = amount != 0.0
    levels = pl.col(side).fill_null([])
    bad_price = levels.list.eval(live & ~(price.is_finite() & (price > 0.0))).list.any()
    bad_amount = levels.list.eval(live & ~(amount.is_finite() & (amount > 0.0))).list.any()
    return bad_price, bad_amount, levels.list.eval(price.filter(live))


def orderbook_validity() -> list[pl.Expr]:
    """Expressions adding `is_valid` and `invalid_reason` (first reason that applies)."""
    bid_bad_price, bid_bad_amount, bid_prices = _side_checks("bids")
    ask_bad_price, ask_bad_amount, ask_prices = _side_checks("asks")
    best_bid = bid_prices.list.max()
    best_ask = ask_prices.list.min()
    # one-sided books are valid; a crossed or locked two-sided book is not
    crossed = (best_bid >= best_ask).fill_null(False)
    bad_price, bad_amount, crossed_book = INVALID_REASONS  # tested in this order
    reason = (
        pl.when(bid_bad_price | ask_bad_price)
        .then(pl.lit(bad_price))
        .when(bid_bad_amount | ask_bad_amount)
        .then(pl.lit(bad_amount))
        .when(crossed)
        .then(pl.lit(crossed_book))
        .otherwise(pl.lit(None, dtype=pl.Utf8))
        .alias("invalid_reason")
    )
    return [reason]


def prepare_orderbooks(landing: pl.DataFrame) -> pl.DataFrame:
    """Landing order books -> lake rows with ts, snapshot_id, is_valid, invalid_reason."""
    frame = with_defaults(landing).with_columns(event_time()).with_columns(orderbook_validity())
    return frame.with_columns(
        snapshot_ids(frame), pl.col("invalid_reason").is_null().alias("is_valid")
    )


def prepare_trades(landing: pl.DataFrame) -> pl.DataFrame:
    """Landing trades -> lake rows with ts and trade_key."""
    frame = with_defaults(landing).with_columns(event_time())
    return frame.with_columns(trade_keys(frame))


def prepare_fetch_errors(landing: pl.DataFrame) -> pl.DataFrame:
    """Fetch errors go to the lake as they landed."""
    return landing
