"""The landing sensor's listing skips folders unchanged since its floor, and misses no new file."""
from __future__ import annotations

import os
import time

from landing_factory import DAY, book, books_frame, levels
from mmwatch.landing.zone import write_landing
from mmwatch.landing.scan import landing_files_since

HOUR_NS = 3600 * 10**9


def _land(data_dir, day=DAY, exchange="binance"):
    row = book(0, levels((99, 1)), levels((101, 1)), exchange=exchange)
    return write_landing(data_dir, "orderbooks", day, exchange, books_frame([row]), "collector")


def _age(folder, ns_ago):
    stamp = time.time_ns() - ns_ago
    os.utime(folder, ns=(stamp, stamp))


def test_unchanged_folders_are_skipped_and_changed_ones_listed_whole(data_dir):
    old = _land(data_dir)
    _age(old.parent, HOUR_NS)
    other = _land(data_dir, exchange="okx")  # written now
    recent_floor = time.time_ns() - 60 * 10**9
    assert [f.path for f in landing_files_since(data_dir, recent_floor)] == [other]
    assert [f.path for f in landing_files_since(data_dir, 0)] == [old, other]  # a new cursor reads all

    late = _land(data_dir)  # e.g. a capture import into the old folder: its mtime moves
    listed = [f.path for f in landing_files_since(data_dir, recent_floor)]
    assert listed == [old, other, late]


def test_a_file_of_a_past_day_landing_now_is_listed(data_dir):
    _age(_land(data_dir, day="2026-01-02").parent, HOUR_NS)
    imported = _land(data_dir, day="2026-01-02")
    floor = time.time_ns() - 120 * 10**9
    assert imported in [f.path for f in landing_files_since(data_dir, floor)]
