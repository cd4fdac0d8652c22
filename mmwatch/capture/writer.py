"""Write capture records as JSON Lines (`.jsonl`, or gzip when the name ends in `.gz`)."""
from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO, Any, Iterable

import orjson

RECORD_TYPES = ("orderbook", "trade", "ticker", "funding", "open_interest")


class CaptureWriter:
    """Append capture records to one file; use as a context manager or call close()."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] = gzip.open(self.path, "ab") if self.path.suffix == ".gz" else open(self.path, "ab")
        self.records = 0

    def write(self, record: dict[str, Any]) -> None:
        """Write one record (a dict with the capture envelope fields and its type's fields)."""
        self._file.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
        self.records += 1

    def write_many(self, records: Iterable[dict[str, Any]]) -> None:
        """Write several records."""
        for record in records:
            self.write(record)

    def flush(self) -> None:
        """Push buffered bytes to the file (gzip: to the compressor)."""
        self._file.flush()

    def close(self) -> None:
        """Flush and close the file."""
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> "CaptureWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def orderbook_record(exchange: str, market_type: str, symbol: str, timestamp: int | None, received_at: int,
                     bids: list, asks: list, nonce: int | None = None,
                     contract_size: float | None = None) -> dict[str, Any]:
    """An `orderbook` capture record; levels as ccxt gives them ([price, amount, ...]).

    `contract_size` (ccxt `contractSize`) is written, last, for contract markets (see `_with_contract_size`).
    """
    record = {"type": "orderbook", "exchange": exchange, "market_type": market_type, "symbol": symbol,
              "timestamp": timestamp, "received_at": received_at, "nonce": nonce, "bids": bids, "asks": asks}
    return _with_contract_size(record, contract_size)


def trade_record(exchange: str, market_type: str, symbol: str, timestamp: int | None, received_at: int,
                 trade_id: str | None, price: float, amount: float, side: str | None,
                 contract_size: float | None = None) -> dict[str, Any]:
    """A `trade` capture record (ccxt unified trade fields; `contract_size` as in `orderbook_record`)."""
    record = {"type": "trade", "exchange": exchange, "market_type": market_type, "symbol": symbol,
              "timestamp": timestamp, "received_at": received_at, "id": trade_id,
              "price": price, "amount": amount, "side": side}
    return _with_contract_size(record, contract_size)


def _with_contract_size(record: dict[str, Any], contract_size: float | None) -> dict[str, Any]:
    """`record` with `contract_size` as its last key when the market is a contract market (swap, future).

    Spot records leave it out: absent means 1, amounts in base units (capture-format.md). The key
    comes last so that the reader's fast path (`own_shape.py`) finds it where it looks.
    """
    if contract_size is not None and record["market_type"] != "spot":
        record["contract_size"] = float(contract_size)
    return record
