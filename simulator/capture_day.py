"""Write a scenario's day as a capture file (capture-format.md) straight from the simulator.

The books are the ones the server would serve at the same instants, recorded the way our
collector records a venue that gives no book timestamp (`timestamp` null, `received_at` = the
instant), so a capture of a day and a collection of the same instants hold the same snapshots and
de-duplicate against each other. Swap books and trades are in the venue's units (contracts) and
carry the market's `contract_size`, as the collector's are. Outage and empty-body instants are
skipped, as a failed fetch would be. Trades are written per minute, as a trades poll at the end
of each minute would.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from mmwatch.capture.writer import CaptureWriter, orderbook_record, trade_record
from simulator.market import World
from simulator.price_path import DAY_MS
from simulator.scenario import Scenario
from simulator.trades import MINUTE_MS, trades_in_minute
from simulator.truth import TruthRecorder
from simulator.venue import VenueContext


@dataclass
class CapturedDay:
    """What `capture_day` wrote, and the ground truth of the books it wrote."""

    path: Path
    orderbooks: int
    trades: int
    skipped_fetches: int
    truth: TruthRecorder


def capture_day(scenario: Scenario, out: Path, every_ms: int = 10_000, limit: int = 100,
                progress: Callable[[str], None] | None = None, hours: float = 24) -> CapturedDay:
    """Record every spot and perp market of the scenario's day into `out` (.jsonl or .jsonl.gz);
    `hours` < 24 records only the first hours of the day."""
    world = World(scenario)
    truth = TruthRecorder(scenario.obligations)
    models = list(world.markets.values())
    start = scenario.day_start_ms
    books = trades = skipped = 0
    with CaptureWriter(out) as writer:
        for t_ms in range(start, start + min(DAY_MS, int(hours * 3_600_000)), every_ms):
            for model in models:
                book = VenueContext(world, model.venue, t_ms, truth).serve_book(model, limit)
                if book.status != "ok":
                    skipped += 1
                    continue
                # (price, amount) tuples print as JSON arrays, as lists would
                writer.write(orderbook_record(model.venue, model.market_type, model.symbol, None, t_ms,
                                              book.bids, book.asks, contract_size=model.contract_size))
                books += 1
            if (t_ms + every_ms) % MINUTE_MS < every_ms:
                trades += _write_minute_trades(writer, models, t_ms // MINUTE_MS)
                if progress and (t_ms // MINUTE_MS) % 120 == 119:
                    progress(f"  captured {(t_ms - start + every_ms) / 3_600_000:.0f} h of {scenario.date}")
    return CapturedDay(out, books, trades, skipped, truth)


def _write_minute_trades(writer: CaptureWriter, models: list, minute: int) -> int:
    received_at = (minute + 1) * MINUTE_MS
    count = 0
    for model in models:
        for trade in trades_in_minute(model, minute):
            writer.write(trade_record(model.venue, model.market_type, model.symbol, trade.ts, received_at,
                                      str(trade.id), trade.price, trade.amount, trade.side, model.contract_size))
            count += 1
    return count
