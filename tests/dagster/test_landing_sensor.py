"""landing_sensor: cursor, one run per UTC day, late files within the grace window."""
from __future__ import annotations

import json

import dagster as dg

from landing_factory import DAY, book, books_frame, fetch_error, fetch_errors_frame, levels, trade, trades_frame
from mmwatch.landing.zone import write_landing
from pipelines.sensors import landing_sensor
from resources.data_dir import DataDirResource

NEXT_DAY = "2026-11-21"


def _tick(data_dir, instance, cursor=None):
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"data_dir": DataDirResource(path=str(data_dir.root))}
    )
    result = landing_sensor(context)
    return result, context.cursor


def _book_file(data_dir, day, exchange, offset_ms=0):
    shift = 86_400_000 if day == NEXT_DAY else 0
    row = book(shift + offset_ms, levels((100, 1)), levels((101, 1)), exchange=exchange)
    return write_landing(data_dir, "orderbooks", day, exchange, books_frame([row]), "collector")


def _late_copy(path, arrival_ns):
    """The same file renamed as if its writer had stamped it at `arrival_ns`."""
    late = path.with_name(f"{arrival_ns:019d}-collector-0000beef.parquet")
    late.write_bytes(path.read_bytes())
    return late


def test_new_files_give_one_run_per_day(data_dir, instance):
    b = _book_file(data_dir, DAY, "binance")
    g = _book_file(data_dir, DAY, "gate")
    t = write_landing(data_dir, "trades", DAY, "bitget", trades_frame([trade(0, 1.0, 1.0, "buy", "1", exchange="bitget")]), "c")
    e = write_landing(data_dir, "fetch_errors", DAY, "okx", fetch_errors_frame([fetch_error(0, "RequestTimeout", exchange="okx")]), "c")
    n = _book_file(data_dir, NEXT_DAY, "kucoin")
    requests, cursor = _tick(data_dir, instance)
    assert len(requests) == 2
    first, second = requests
    assert first.tags["dagster/asset_partition_range_start"] == f"{DAY}|binance"
    assert first.tags["dagster/asset_partition_range_end"] == f"{DAY}|okx"
    assert first.run_config["ops"] == {
        "raw_orderbooks": {"config": {"landing_files": [str(b), str(g)]}},
        "raw_trades": {"config": {"landing_files": [str(t)]}},
        "raw_fetch_errors": {"config": {"landing_files": [str(e)]}},
    }
    assert {k.to_user_string() for k in first.asset_selection} == {"raw_orderbooks", "raw_trades", "raw_fetch_errors"}
    assert second.tags["dagster/asset_partition_range_start"] == f"{NEXT_DAY}|kucoin"
    assert second.tags["dagster/asset_partition_range_end"] == f"{NEXT_DAY}|kucoin"
    assert second.run_config["ops"] == {"raw_orderbooks": {"config": {"landing_files": [str(n)]}}}
    assert [k.to_user_string() for k in second.asset_selection] == ["raw_orderbooks"]
    assert first.run_key != second.run_key
    assert json.loads(cursor)["watermark"] == max(int(p.name[:19]) for p in (b, g, t, e, n))

    again, same_cursor = _tick(data_dir, instance, cursor)
    assert isinstance(again, dg.SkipReason)


def test_late_file_within_grace_is_picked_up_once(data_dir, instance):
    first = _book_file(data_dir, DAY, "binance")
    _, cursor = _tick(data_dir, instance)
    watermark = json.loads(cursor)["watermark"]
    late = _late_copy(first, watermark - 10 * 10**9)  # renamed late, stamped 10 s earlier
    too_late = _late_copy(first, watermark - 600 * 10**9)  # beyond the 120 s grace: ignored
    requests, cursor = _tick(data_dir, instance, cursor)
    assert len(requests) == 1
    assert requests[0].run_config["ops"]["raw_orderbooks"]["config"]["landing_files"] == [str(late)]
    assert json.loads(cursor)["watermark"] == watermark  # a late file does not move the watermark
    assert late.name in json.loads(cursor)["recent"] and too_late.name not in json.loads(cursor)["recent"]
    third, _ = _tick(data_dir, instance, cursor)
    assert isinstance(third, dg.SkipReason)
