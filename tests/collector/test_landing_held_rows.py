"""The landing sink's bound on rows a full disk holds in memory, counted as rows now held (a window
tried again and refused again is not counted twice), the oldest windows dropped first, and a window
dropped while the same flush was still writing its list of windows skipped, not a KeyError."""
from __future__ import annotations

import polars as pl

import mmwatch.collector.sinks as sinks
import mmwatch.landing.zone as zone
from full_disk import no_space
from mmwatch.collector.rows import MarketRef, book_row
from mmwatch.landing.zone import list_landing

T0 = 1_763_683_200_000  # 2025-11-21 00:00:00 UTC
SPOT = MarketRef("binance", "BTC/USDT", "spot")
PER_MINUTE = 5


def _add_minute(sink: sinks.LandingSink, minute: int) -> None:
    for second in range(PER_MINUTE):
        received = T0 + minute * 60_000 + second * 1000
        book = {"timestamp": received - 3, "nonce": minute * 100 + second,
                "bids": [[97000.0, 0.5]], "asks": [[97001.0, 0.4]]}
        sink.add("orderbooks", book_row(SPOT, book, received))


def test_held_rows_are_counted_once_and_the_oldest_minute_is_dropped(data_dir, monkeypatch):
    disk = {"full": True}
    write = zone._write_parquet
    monkeypatch.setattr(zone, "_write_parquet",
                        lambda table, path: (_ for _ in ()).throw(no_space()) if disk["full"] else write(table, path))
    monkeypatch.setattr(sinks, "HELD_ROWS_MAX", 7)
    sink = sinks.LandingSink(data_dir, background=False)
    _add_minute(sink, 0)
    _add_minute(sink, 1)
    sink.tick(T0 + 60_000)  # minute 0 refused
    assert sink.held_rows == PER_MINUTE and sink.dropped_rows == 0
    _add_minute(sink, 2)
    # Minute 0, put back after minute 1 arrived, comes after minute 1 in the list this tick writes:
    # minute 1 refused makes 10 held, past 7, so minute 0 is dropped before its turn comes.
    sink.tick(T0 + 120_000)
    assert sink.held_rows == PER_MINUTE and sink.dropped_rows == PER_MINUTE  # minute 1 held, not 5 + 5 + 5
    disk["full"] = False
    _add_minute(sink, 3)
    sink.tick(T0 + 180_000)  # minutes 1 and 2 land
    assert sink.held_rows == 0
    sink.close()
    files = list_landing(data_dir, "orderbooks")
    books = pl.concat([pl.read_parquet(f.path) for f in files])
    assert sorted(((books["received_ts"] - T0) // 60_000).unique().to_list()) == [1, 2, 3]
    assert books.height == 3 * PER_MINUTE == sink.rows["orderbooks"]
    assert books["received_ts"].is_unique().all()


def test_a_disk_still_full_at_shutdown_says_what_is_lost(data_dir, monkeypatch, caplog):
    monkeypatch.setattr(zone, "_write_parquet", lambda table, path: (_ for _ in ()).throw(no_space()))
    monkeypatch.setattr(sinks, "HELD_ROWS_MAX", 7)
    sink = sinks.LandingSink(data_dir)  # the landing thread, as the collector runs it
    for minute in range(3):
        _add_minute(sink, minute)
    sink.tick(T0 + 2 * 60_000)  # minutes 0 and 1 go to the landing thread, refused there
    # close: minute 2 refused too; 15 held past 7: minutes 0 and 1 dropped; minute 2 tried once more, refused
    sink.close()
    assert list_landing(data_dir, "orderbooks") == [] and sink.rows["orderbooks"] == 0
    lost = [r.getMessage() for r in caplog.records if r.getMessage().startswith("disk still full at shutdown: ")]
    assert sink.dropped_rows == 2 * PER_MINUTE
    assert lost == [f"disk still full at shutdown: {PER_MINUTE} rows held in memory are not landed "
                    f"({lost[0].split('(', 1)[1]}"]
