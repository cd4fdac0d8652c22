"""What makes a capture line acceptable: the record rules of the capture spec, in plain Python.

The reader checks lines in bulk (DuckDB); every line the bulk path rejects is
explained here, so the message says exactly what was wrong.
"""
from __future__ import annotations

import math
from typing import Any

import orjson

from mmwatch.schemas import MARKET_TYPES

LANDED_TYPES = ("orderbook", "trade")
# Accepted and counted, not landed yet (no landing data set for them so far).
COUNTED_TYPES = ("ticker", "funding", "open_interest")
RECORD_TYPES = LANDED_TYPES + COUNTED_TYPES
SIDES = ("buy", "sell")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _levels_problem(name: str, levels: Any) -> str | None:
    if not isinstance(levels, list):
        return f"'{name}' must be a list of [price, amount] levels, got {type(levels).__name__}"
    for index, level in enumerate(levels):
        if not isinstance(level, list) or len(level) < 2:
            return f"'{name}' level {index}: expected [price, amount], got {orjson.dumps(level).decode()[:60]}"
        if not (_is_number(level[0]) and _is_number(level[1])):
            return f"'{name}' level {index}: price and amount must be numbers, got {orjson.dumps(level[:2]).decode()[:60]}"
    return None


def envelope_problem(record: dict) -> str | None:
    """The first envelope rule `record` breaks, or None."""
    kind = record.get("type")
    if kind is None:
        return "missing field 'type'"
    if kind not in RECORD_TYPES:
        return f"unknown record type {kind!r} (expected one of {', '.join(RECORD_TYPES)})"
    for field in ("exchange", "symbol"):
        if field not in record:
            return f"missing field '{field}'"
        if not _is_text(record[field]):
            return f"'{field}' must be a non-empty string, got {record[field]!r}"
    if record.get("market_type") not in MARKET_TYPES:
        if "market_type" not in record:
            return "missing field 'market_type'"
        return f"'market_type' must be one of {', '.join(MARKET_TYPES)}, got {record['market_type']!r}"
    if "received_at" not in record:
        return "missing field 'received_at'"
    if not _is_int(record["received_at"]):
        return f"'received_at' must be integer milliseconds, got {record['received_at']!r}"
    timestamp = record.get("timestamp")
    if timestamp is not None and not _is_int(timestamp):
        return f"'timestamp' must be integer milliseconds or null, got {timestamp!r}"
    return None


def contract_size_problem(record: dict) -> str | None:
    """What is wrong with `record`'s contract_size, or None (absent and null mean 1: base units)."""
    size = record.get("contract_size")
    if size is None or (_is_number(size) and math.isfinite(size) and size > 0):
        return None
    return (f"'contract_size' must be a positive number (ccxt contractSize: base units per contract, "
            f"quote units for inverse contracts) or null, got {size!r}")


def orderbook_problem(record: dict) -> str | None:
    """The first orderbook rule `record` breaks, or None."""
    for side in ("bids", "asks"):
        if side not in record:
            return f"missing field '{side}'"
        problem = _levels_problem(side, record[side])
        if problem:
            return problem
    nonce = record.get("nonce")
    if nonce is not None and not _is_int(nonce):
        return f"'nonce' must be an integer or null, got {nonce!r}"
    return None


def trade_problem(record: dict) -> str | None:
    """The first trade rule `record` breaks, or None."""
    for field in ("price", "amount"):
        if field not in record:
            return f"missing field '{field}'"
        value = record[field]
        if not _is_number(value) or not math.isfinite(value):
            return f"'{field}' must be a finite number, got {value!r}"
    trade_id = record.get("id")
    if trade_id is not None and not (isinstance(trade_id, str) or _is_int(trade_id)):
        return f"'id' must be a string, an integer or null, got {trade_id!r}"
    side = record.get("side")
    if side is not None and side not in SIDES:
        return f"'side' must be 'buy', 'sell' or null, got {side!r}"
    return None


def line_problem(line: bytes) -> tuple[str, str | None]:
    """(record type, why the line is rejected or None) for one capture line.

    The type is "blank" for an empty line (skipped, never an error) and
    "unreadable" when the line is not a JSON object with a known type.
    """
    if not line.strip():
        return "blank", None
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return "unreadable", f"invalid JSON: {exc}"
    if not isinstance(record, dict):
        return "unreadable", f"expected a JSON object, got {type(record).__name__}"
    kind = record.get("type")
    problem = envelope_problem(record)
    if problem is None and kind == "orderbook":
        problem = orderbook_problem(record) or contract_size_problem(record)
    elif problem is None and kind == "trade":
        problem = trade_problem(record) or contract_size_problem(record)
    return (kind if kind in RECORD_TYPES else "unreadable"), problem
