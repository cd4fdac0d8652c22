"""A small capture for CLI tests: Binance BTC/USDT books every 10 s for 3 minutes from 12:00 UTC of
2026-11-20 (bid 3,800 / ask 3,801, two levels a side)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

DAY = "2026-11-20"
T0 = int(datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc).timestamp() * 1000)
BOOKS = 18


def write_books_capture(path: Path) -> Path:
    lines = [{"type": "orderbook", "exchange": "binance", "market_type": "spot", "symbol": "BTC/USDT",
              "timestamp": T0 + i * 10_000, "received_at": T0 + i * 10_000 + 40, "nonce": i,
              "bids": [[3800.0, 2.0], [3799.0, 1.0]], "asks": [[3801.0, 1.5], [3802.0, 3.0]]} for i in range(BOOKS)]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path
