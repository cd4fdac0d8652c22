"""What makes a capture line acceptable: the record rules of the capture spec, in plain Python.

The reader checks lines in bulk (DuckDB); every line the bulk path rejects is
explained here, so the message says exactly what was wrong. A problem is
(rule, message): the rule is short and names the field (the import's summary
counts lines per rule), the message names the value. What the values may be
(venues, symbols, time window, bounds) is the door's business (mmwatch.door),
checked after parsing.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import orjson

from mmwatch.schemas import MARKET_TYPES

LANDED_TYPES = ("orderbook", "trade")
# Accepted and counted, not landed yet (no landing data set for them so far).
COUNTED_TYPES = ("ticker", "funding", "open_interest")
RECORD_TYPES = LANDED_TYPES + COUNTED_TYPES
SIDES = ("buy", "sell")


class Problem(NamedTuple):
    """Why a line is rejected: `rule` (short, for summaries) and `message` (names field and value)."""

    rule: str
    message: str


def _missing(field: str) -> Problem:
    return Problem(f"missing '{field}'", f"missing field '{field}'")


def _bad(field: str, message: str) -> Problem:
    return Problem(f"bad '{field}'", message)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_int64(value: Any) -> bool:
    """An integer that fits the landing's BIGINT columns (timestamps, nonce); the bulk path's cast refuses others."""
    return _is_int(value) and -(2**63) <= value < 2**63


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _shown(value: Any) -> str:
    """A value for a message: its repr, cut to 60 characters (a line may hold a 100,000-character field)."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}... ({len(text)} characters)"


def _levels_problem(name: str, levels: Any) -> Problem | None:
    if not isinstance(levels, list):
        return _bad(name, f"'{name}' must be a list of [price, amount] levels, got {type(levels).__name__}")
    for index, level in enumerate(levels):
        if not isinstance(level, list) or len(level) < 2:
            return _bad(name, f"'{name}' level {index}: expected [price, amount], got {_shown(level)}")
        if not (_is_number(level[0]) and _is_number(level[1])):
            return _bad(name, f"'{name}' level {index}: price and amount must be numbers, got {_shown(level[:2])}")
    return None


def envelope_problem(record: dict) -> Problem | None:
    """The first envelope rule `record` breaks, or None."""
    kind = record.get("type")
    if kind is None:
        return _missing("type")
    if kind not in RECORD_TYPES:
        return Problem("unknown record type", f"unknown record type {_shown(kind)} (expected one of {', '.join(RECORD_TYPES)})")
    for field in ("exchange", "symbol"):
        if field not in record:
            return _missing(field)
        if not _is_text(record[field]):
            return _bad(field, f"'{field}' must be a non-empty string, got {_shown(record[field])}")
    if record.get("market_type") not in MARKET_TYPES:
        if "market_type" not in record:
            return _missing("market_type")
        return _bad("market_type", f"'market_type' must be one of {', '.join(MARKET_TYPES)}, got {_shown(record['market_type'])}")
    if "received_at" not in record:
        return _missing("received_at")
    if not _is_int64(record["received_at"]):
        return _bad("received_at", f"'received_at' must be integer milliseconds, got {_shown(record['received_at'])}")
    timestamp = record.get("timestamp")
    if timestamp is not None and not _is_int64(timestamp):
        return _bad("timestamp", f"'timestamp' must be integer milliseconds or null, got {_shown(timestamp)}")
    return None


def contract_size_problem(record: dict) -> Problem | None:
    """What is wrong with `record`'s contract_size, or None (absent and null mean 1: base units)."""
    size = record.get("contract_size")
    if size is None or (_is_number(size) and math.isfinite(size) and size > 0):
        return None
    return _bad("contract_size", f"'contract_size' must be a positive number (ccxt contractSize: base units per "
                                 f"contract, quote units for inverse contracts) or null, got {_shown(size)}")


def orderbook_problem(record: dict) -> Problem | None:
    """The first orderbook rule `record` breaks, or None."""
    for side in ("bids", "asks"):
        if side not in record:
            return _missing(side)
        problem = _levels_problem(side, record[side])
        if problem:
            return problem
    nonce = record.get("nonce")
    if nonce is not None and not _is_int64(nonce):
        return _bad("nonce", f"'nonce' must be an integer or null, got {_shown(nonce)}")
    return None


def trade_problem(record: dict) -> Problem | None:
    """The first trade rule `record` breaks, or None."""
    for field in ("price", "amount"):
        if field not in record:
            return _missing(field)
        value = record[field]
        if not _is_number(value) or not math.isfinite(value):
            return _bad(field, f"'{field}' must be a finite number, got {_shown(value)}")
    trade_id = record.get("id")
    if trade_id is not None and not (isinstance(trade_id, str) or _is_int(trade_id)):
        return _bad("id", f"'id' must be a string, an integer or null, got {_shown(trade_id)}")
    side = record.get("side")
    if side is not None and side not in SIDES:
        return _bad("side", f"'side' must be 'buy', 'sell' or null, got {_shown(side)}")
    return None


def line_problem(line: bytes) -> tuple[str, Problem | None]:
    """(record type, why the line is rejected or None) for one capture line.

    The type is "blank" for an empty line (skipped, never an error) and
    "unreadable" when the line is not a JSON object with a known type.
    """
    if not line.strip():
        return "blank", None
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return "unreadable", Problem("invalid JSON", f"invalid JSON: {exc}")
    if not isinstance(record, dict):
        return "unreadable", Problem("not a JSON object", f"expected a JSON object, got {type(record).__name__}")
    kind = record.get("type")
    problem = envelope_problem(record)
    if problem is None and kind == "orderbook":
        problem = orderbook_problem(record) or contract_size_problem(record)
    elif problem is None and kind == "trade":
        problem = trade_problem(record) or contract_size_problem(record)
    return (kind if kind in RECORD_TYPES else "unreadable"), problem
