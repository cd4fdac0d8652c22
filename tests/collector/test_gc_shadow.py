"""GcShadow: full collections just after the samplers' grid instant, never automatic meanwhile."""
import asyncio
import gc

from mmwatch.collector.gc_shadow import AFTER_GRID_MS, NO_AUTOMATIC_FULL, GcShadow


def test_the_next_full_collection_falls_just_after_a_grid_instant_every_ten_seconds():
    shadow = GcShadow(1000, every_s=10)
    assert shadow.next_collection_ms(now_ms=5_300, last_ms=0) == 10_000 + AFTER_GRID_MS
    assert shadow.next_collection_ms(now_ms=10_005, last_ms=10_005) == 21_000 + AFTER_GRID_MS
    assert shadow.next_collection_ms(now_ms=31_700, last_ms=20_000) == 32_000 + AFTER_GRID_MS  # overdue: next instant
    assert GcShadow(500, every_s=1).next_collection_ms(now_ms=1_000, last_ms=1_000) == 2_000 + AFTER_GRID_MS


def test_install_freezes_and_stops_automatic_full_collections_until_uninstalled():
    before = gc.get_threshold()
    shadow = GcShadow(100, every_s=0.2).install()
    try:
        assert shadow.frozen > 1000 and gc.get_freeze_count() == shadow.frozen
        assert gc.get_threshold() == (before[0], before[1], NO_AUTOMATIC_FULL)

        async def a_while():
            task = asyncio.create_task(shadow.run())
            await asyncio.sleep(0.75)
            task.cancel()

        asyncio.run(a_while())
        assert 2 <= shadow.collections <= 4 and shadow.longest_ms > 0
    finally:
        shadow.uninstall()
        gc.unfreeze()
    assert gc.get_threshold() == before


def test_without_a_streamed_venue_automatic_collections_stay_on():
    before = gc.get_threshold()
    shadow = GcShadow(None).install()
    try:
        assert gc.get_threshold() == before
        asyncio.run(shadow.run())  # returns at once: no grid
        assert shadow.collections == 0
    finally:
        shadow.uninstall()
        gc.unfreeze()
