"""The daily report shows the order book of each failing obligation's market: a price-level heat map
of the day (from the lake) and depth by band over the day (fct_liquidity_minute), inline in the
email (cid) and as files beside the saved HTML; none for passing obligations. The fixture's day
(thin_morning_day.py): BTC/USDT a book a minute, 100 BTC a side at 99.95 / 100.05 until 06:00,
plus 200 at 99.9 / 100.1 after; ob-strict fails, ob-lenient passes on the same market."""
from __future__ import annotations

import io
import re
from email import policy
from email.parser import BytesParser

from email_checks import assert_images_referenced_and_present, parts
from PIL import Image
from pytest import approx

from mmwatch.report.delivery import RENDERED, run_reports
from mmwatch.report.groups import ReportGroup
from mmwatch.report.ledger import ReportLedger
from mmwatch.report.marts import load_day_marts

DESK = ReportGroup(name="desk", recipients=["desk@exchange.test"])


def _views(html: str) -> list[tuple[str, str, str]]:
    """(view, obligation, src) of each order-book image."""
    return [(view, oid, src) for src, view, oid in
            re.findall(r'<img src="([^"]+)" data-view="([^"]+)" data-obligation="([^"]+)"', html)]


def _decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_failing_market_has_a_heat_map_and_depth_by_band(built_day, tmp_path):
    [outcome] = run_reports(built_day.warehouse, built_day.day, [DESK], tmp_path / "out",
                            ReportLedger(tmp_path / "sent.sqlite3"))
    assert outcome.status == RENDERED
    message = BytesParser(policy=policy.default).parsebytes(
        next(p for p in outcome.files if p.suffix == ".eml").read_bytes())
    email = parts(message)
    assert_images_referenced_and_present(email["html"], email["images"])
    # both views for ob-strict only: ob-lenient passes on the same market, ob-sparse has no verdict
    assert _views(email["html"]) == [("heatmap", "ob-strict", "cid:heatmap-01@mmwatch"),
                                     ("depth-bands", "ob-strict", "cid:depth-bands-01@mmwatch")]
    saved = next(p for p in outcome.files if p.suffix == ".html")
    assert _views(saved.read_text()) == [("heatmap", "ob-strict", "heatmap-01.png"),
                                         ("depth-bands", "ob-strict", "depth-bands-01.png")]
    heatmap, depth = email["images"]["heatmap-01@mmwatch"], email["images"]["depth-bands-01@mmwatch"]
    assert (saved.parent / "heatmap-01.png").read_bytes() == heatmap
    for png, size in ((heatmap, (1000, 460)), (depth, (900, 420))):
        image = _decoded(png)
        assert (image.format, image.size) == ("PNG", size)
        assert len(image.convert("RGB").getcolors(1_000_000)) > 50  # drawn, not blank
        assert 20_000 < len(png) < 400_000
    assert len(message.as_bytes()) < 3_000_000  # the whole email, PDF and CSV included


def test_the_heat_map_draws_the_days_lake_books_sampled(built_day):
    """What the heat map draws: 720 of the day's 1440 books (every other one), levels from the lake,
    mids from the obligation's judged snapshots, the day's one breach episode (00:00-06:00)."""
    from mmwatch.evidence.day_heatmap import DayHeatmaps

    book = DayHeatmaps(built_day.warehouse, built_day.day).book("ob-strict")
    assert not isinstance(book, str), book
    assert (book.day_snapshots, len(book.snapshots)) == (1440, 720)
    assert book.snapshots[1].ts - book.snapshots[0].ts == 120_000
    assert set(book.mids) == {100.0}
    morning, afternoon = book.snapshots[0], book.snapshots[-1]
    assert (morning.bids, morning.asks) == ([(99.95, 100.0)], [(100.05, 100.0)])
    assert (afternoon.bids, afternoon.asks) == ([(99.95, 100.0), (99.9, 200.0)], [(100.05, 100.0), (100.1, 200.0)])
    [(start, end)] = book.breaches
    assert (start - book.snapshots[0].ts, end - start) == (0, 21_600_000)


def test_depth_bands_are_the_marts_minutes(built_day):
    """What the depth chart draws: fct_liquidity_minute of the failing market, every minute of the day,
    50 bps holding 100 BTC a side until 06:00 (10,005 / 9,995 USD) and 300 after."""
    marts = load_day_marts(built_day.warehouse, built_day.day)
    assert set(marts.depth_bands) == {"ob-strict"}
    bands = marts.depth_bands["ob-strict"]
    assert bands.problem is None and len(bands.minute_ms) == 1440
    assert bands.minute_ms[1] - bands.minute_ms[0] == 60_000
    assert (bands.ask_usd[50][0], bands.bid_usd[50][0]) == (approx(10_005), approx(9_995))
    assert (bands.ask_usd[50][360], bands.bid_usd[50][360]) == (approx(10_005 + 20_020), approx(9_995 + 19_980))
    assert (bands.ask_usd[10][0], bands.bid_usd[10][0]) == (approx(10_005), approx(9_995))


def test_without_the_lake_the_report_says_why_there_is_no_heat_map(warehouse_copy, built_day, tmp_path):
    [outcome] = run_reports(warehouse_copy, built_day.day, [DESK], tmp_path / "out", ReportLedger(tmp_path / "sent.sqlite3"))
    saved = next(p for p in outcome.files if p.suffix == ".html").read_text()
    assert _views(saved) == [("depth-bands", "ob-strict", "depth-bands-01.png")]
    section = re.search(r'<section data-book-view="ob-strict">(.*?)</section>', saved, re.S).group(1)
    assert "No heat map: no usable snapshot of binance BTC/USDT (spot) on " in section
    assert not (outcome.folder / "heatmap-01.png").exists()
