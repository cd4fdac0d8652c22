"""The door's rules over landing rows: which rows may land, and why the others may not.

One implementation for both ways in: the capture import applies it to each parsed block (both the
fast and the careful path give rows in the landing layout), the collector's landing sink to each
file it is about to write. Rules are polars expressions: `refusals` first finds the refused rows
with one pass (`bad`), then words the reason of those rows only (`message`), naming field and value.

| field | passes when |
|---|---|
| exchange | one of mmwatch.venues.VENUES |
| market_type | one of mmwatch.venues.MARKET_TYPES |
| symbol | ccxt unified (BASE/QUOTE, BASE/QUOTE:SETTLE, BASE/QUOTE:SETTLE-YYMMDD...), <= 64 characters |
| timestamp, received_at | integer ms inside the TimeWindow; seconds, µs and ns are named in the reason |
| contract_size | null (1) or within [MIN_MAGNITUDE, MAX_MAGNITUDE] |
| trade price, amount | finite, > 0, within [MIN_MAGNITUDE, MAX_MAGNITUDE] |
| trade id, side | id <= 128 characters; side buy, sell or null |
| book levels | <= MAX_LEVELS_PER_SIDE a side; price and amount finite, 0 or of magnitude within the bounds |

A book level's sign is not the door's business: a negative amount or a zero price lands, and spec
§1 (mmwatch/lake/raw_rules.py) marks the snapshot invalid.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import polars as pl

from mmwatch.door.limits import (
    MAX_LEVELS_PER_SIDE, MAX_MAGNITUDE, MAX_SYMBOL_CHARS, MAX_TRADE_ID_CHARS, MIN_MAGNITUDE, TimeWindow,
)
from mmwatch.venues import MARKET_TYPES, VENUES

DOOR_DATASETS = ("orderbooks", "trades", "fetch_errors")
_CODE = r"[A-Za-z0-9][A-Za-z0-9._-]*"
# ccxt unified symbols: a dated future or an option extends the settle code with -YYMMDD[-STRIKE-C|P]
UNIFIED_SYMBOL = rf"^{_CODE}/{_CODE}(?::{_CODE})?$"
BOUNDS = f"[{MIN_MAGNITUDE:.0e}, {MAX_MAGNITUDE:.0e}]".replace("e+", "e")
_SHOWN_CHARS = 40
_UNPRINTABLE = r"[\x00-\x1f\x7f-\x9f\u2028\u2029]"  # C0 and C1 controls, Unicode line and paragraph separators
_INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class Check:
    """One door rule: `bad` is true (never null) where a row breaks it; `rule` names it in summaries,
    `message` says what was wrong with the row's value."""

    rule: pl.Expr
    bad: pl.Expr
    message: pl.Expr


def _check(rule: str | pl.Expr, bad: pl.Expr, message: pl.Expr) -> Check:
    return Check(pl.lit(rule) if isinstance(rule, str) else rule, bad.fill_null(True), message)


def shown_text(column: pl.Expr) -> pl.Expr:
    """A text value for a message: quoted, control characters and line separators as '?', cut to 40
    characters (with its length), so a reason stays one line."""
    length = column.str.len_chars()
    text = column.str.slice(0, _SHOWN_CHARS).str.replace_all(_UNPRINTABLE, "?")
    quoted = pl.when(length > _SHOWN_CHARS).then(pl.format("'{}...' ({} characters)", text, length))
    return quoted.otherwise(pl.format("'{}'", text)).fill_null("null")


def _shown_number(column: pl.Expr) -> pl.Expr:
    return column.cast(pl.String).fill_null("null")


def _allowed(name: str, allowed: tuple[str, ...], rule: str, where: str) -> Check:
    column = pl.col(name)
    return _check(rule, ~column.is_in(allowed).fill_null(False),
                  pl.format(f"'{name}' {{}} is not one of {', '.join(allowed)} ({where})", shown_text(column)))


def _symbol_checks() -> list[Check]:
    symbol = pl.col("symbol")
    too_long = _check("symbol too long", (symbol.str.len_chars() > MAX_SYMBOL_CHARS).fill_null(False),
                      pl.format(f"'symbol' {{}} is longer than {MAX_SYMBOL_CHARS} characters", shown_text(symbol)))
    shape = _check("symbol not ccxt unified", ~symbol.str.contains(UNIFIED_SYMBOL),
                   pl.format("'symbol' {} is not a ccxt unified symbol (BASE/QUOTE, BASE/QUOTE:SETTLE or "
                             "BASE/QUOTE:SETTLE-YYMMDD)", shown_text(symbol)))
    return [too_long, shape]


def _time_check(column: str, field: str, window: TimeWindow, required: bool) -> Check:
    """`column` (ms) inside the window; values that would be inside it in s, µs or ns are named so."""
    ts = pl.col(column)
    lo, hi = window.earliest_ms, window.latest_ms
    units = [("seconds", "multiply by 1000", lo // 1000, hi // 1000),
             ("microseconds", "divide by 1000", lo * 1000, min(hi * 1000, _INT64_MAX)),
             ("nanoseconds", "divide by 1,000,000", lo * 10**6, min(hi * 10**6, _INT64_MAX))]
    rule = pl.when(ts.is_null()).then(pl.lit(f"{field} missing"))
    message = pl.when(ts.is_null()).then(pl.lit(f"missing '{field}' (integer ms since the epoch)"))
    for unit, fix, unit_lo, unit_hi in units:
        inside = ts.is_between(unit_lo, unit_hi)
        rule = rule.when(inside).then(pl.lit(f"{field} in {unit}"))
        message = message.when(inside).then(pl.format(f"'{field}' {{}} looks like {unit}: {fix} (timestamps are "
                                                      f"integer milliseconds since the epoch)", ts))
    rule = rule.otherwise(pl.lit(f"{field} outside the time window"))
    message = message.otherwise(pl.format(
        f"'{field}' {{}} is outside the accepted window {window.describe()} (ms since the epoch; "
        f"MMWATCH_DOOR_EARLIEST and MMWATCH_DOOR_FUTURE_SKEW_S move it)", ts))
    outside = ~ts.is_between(lo, hi)
    return _check(rule, (outside | ts.is_null()) if required else outside.fill_null(False), message)


def _magnitude_ok(value: pl.Expr) -> pl.Expr:
    size = value.abs()
    return value.is_finite() & (size <= MAX_MAGNITUDE) & ((value == 0.0) | (size >= MIN_MAGNITUDE))


def _contract_size_check() -> Check:
    size = pl.col("contract_size")
    ok = size.is_null() | (size.is_finite() & size.is_between(MIN_MAGNITUDE, MAX_MAGNITUDE))
    return _check("contract_size out of bounds", ~ok,
                  pl.format(f"'contract_size' {{}} must be within {BOUNDS}", _shown_number(size)))


def _trade_checks() -> list[Check]:
    trade_id, side = pl.col("trade_id"), pl.col("side")
    checks = [
        _check("id too long", (trade_id.str.len_chars() > MAX_TRADE_ID_CHARS).fill_null(False),
               pl.format(f"'id' {{}} is longer than {MAX_TRADE_ID_CHARS} characters", shown_text(trade_id))),
        _check("side not buy/sell", ~(side.is_null() | side.is_in(("buy", "sell")).fill_null(False)),
               pl.format("'side' {} must be 'buy', 'sell' or null", shown_text(side))),
    ]
    for field in ("price", "amount"):
        value = pl.col(field)
        checks.append(_check(f"trade {field} not positive", ~(value.is_finite() & (value > 0.0)),
                             pl.format(f"trade '{field}' {{}} must be a positive finite number", _shown_number(value))))
        checks.append(_check(f"trade {field} out of bounds", ~value.is_between(MIN_MAGNITUDE, MAX_MAGNITUDE),
                             pl.format(f"trade '{field}' {{}} is outside the door's bounds {BOUNDS}",
                                       _shown_number(value))))
    return checks


def _level_checks(side: str) -> list[Check]:
    levels = pl.col(side).fill_null([])
    price = pl.element().struct.field("price").fill_null(float("nan"))
    amount = pl.element().struct.field("amount").fill_null(float("nan"))
    bad_levels = levels.list.eval(~(_magnitude_ok(price) & _magnitude_ok(amount)))
    first_bad = bad_levels.list.arg_max()
    level = levels.list.get(first_bad, null_on_oob=True)
    count = levels.list.len()
    return [
        _check("too many levels", count > MAX_LEVELS_PER_SIDE,
               pl.format(f"'{side}' has {{}} levels (at most {MAX_LEVELS_PER_SIDE:,} a side)", count)),
        _check("level not finite or out of bounds", bad_levels.list.any(),
               pl.format(f"'{side}' level {{}}: price {{}}, amount {{}}: each must be finite and either 0 or of "
                         f"magnitude within {BOUNDS}", first_bad,
                         _shown_number(level.struct.field("price")), _shown_number(level.struct.field("amount")))),
    ]


@functools.cache
def _envelope_checks() -> tuple[Check, ...]:
    """The rules of every data set that do not depend on the time window (built once: a landing file's
    door used to spend most of its time building these expressions again)."""
    return (_allowed("exchange", VENUES, "exchange not a venue", "the venues mmwatch watches, mmwatch/venues.py"),
            _allowed("market_type", MARKET_TYPES, "market_type not allowed", "mmwatch/venues.py"), *_symbol_checks())


@functools.cache
def _content_checks(dataset: str) -> tuple[Check, ...]:
    """The window-free rules of a book or trade row, after its event time (built once)."""
    if dataset == "trades":
        return (_contract_size_check(), *_trade_checks())
    return (_contract_size_check(), *_level_checks("bids"), *_level_checks("asks"))


def door_checks(dataset: str, window: TimeWindow) -> list[Check]:
    """The rules for rows of a landing `dataset`, in the order their reasons are given."""
    if dataset not in DOOR_DATASETS:
        raise ValueError(f"the door has no rules for data set {dataset!r} (one of {', '.join(DOOR_DATASETS)})")
    checks = [*_envelope_checks(), _time_check("received_ts", "received_at", window, required=True)]
    if dataset == "fetch_errors":
        return checks
    return [*checks, _time_check("exchange_ts", "timestamp", window, required=False), *_content_checks(dataset)]


REFUSAL_SCHEMA = pl.Schema({"row": pl.UInt32, "rule": pl.String, "reason": pl.String})


class Door:
    """The door's rules at one time window (`TimeWindow.from_env()` when not given)."""

    def __init__(self, window: TimeWindow | None = None):
        self.window = window or TimeWindow.from_env()
        self._checks: dict[str, list[Check]] = {}  # by data set, built on first use (a landing file has one)

    def checks(self, dataset: str) -> list[Check]:
        """The rules of `dataset` at this door's time window."""
        if dataset not in self._checks:
            self._checks[dataset] = door_checks(dataset, self.window)
        return self._checks[dataset]

    def refusals(self, frame: pl.DataFrame, dataset: str) -> pl.DataFrame:
        """The refused rows of `frame` (landing columns of `dataset`): their row number in `frame`, the
        rule (short, for summaries) and the reason (the first rule broken, naming field and value)."""
        if frame.is_empty():
            return pl.DataFrame(schema=REFUSAL_SCHEMA)
        checks = self.checks(dataset)
        refused = frame.with_row_index("row").filter(pl.any_horizontal(*(check.bad for check in checks)))
        # one chunk: polars 2.1 panicked (`i < self.len()` in a string kernel) wording the reasons of rows
        # filtered from a frame of several chunks (the fast and careful paths' rows; found by the fuzz test)
        refused = refused.rechunk()
        if refused.is_empty():
            return pl.DataFrame(schema=REFUSAL_SCHEMA)
        rule, reason = pl.when(checks[0].bad).then(checks[0].rule), pl.when(checks[0].bad).then(checks[0].message)
        for check in checks[1:]:
            rule, reason = rule.when(check.bad).then(check.rule), reason.when(check.bad).then(check.message)
        return refused.select("row", rule.alias("rule"), reason.alias("reason")).cast(dict(REFUSAL_SCHEMA))

    def split(self, frame: pl.DataFrame, dataset: str) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(the rows of `frame` that pass, the refusals as in `refusals`)."""
        refusals = self.refusals(frame, dataset)
        if refusals.is_empty():
            return frame, refusals
        keep = ~pl.int_range(frame.height, dtype=pl.UInt32).is_in(refusals["row"].implode())
        return frame.filter(keep), refusals
