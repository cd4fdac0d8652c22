"""A streamed window built into marts, and what those marts must equal: obligations set on the sampled
books, the ground truth of those very books (the simulator's book at each row's update id), the days
built through Dagster (raw, every dbt mart). For the streaming end-to-end tests (tests/ and tests/e2e/
on sys.path)."""
from __future__ import annotations

import statistics
from datetime import date
from pathlib import Path

import polars as pl

from stream_run import truth_at

VENUES = Path(__file__).resolve().parents[2] / "scenarios" / "venues.yaml"
BAND_BPS = 50.0


def event_ts(books: pl.DataFrame) -> pl.Series:
    """The lake's ts of landed books: the venue's time, else the sample time."""
    return books.select(pl.coalesce("exchange_ts", "received_ts")).to_series()


def truth_levels(world, row: dict, levels: int) -> tuple[list, list]:
    """(bids, asks) in base units of the simulator's book at the row's update id, top `levels` a side."""
    book = truth_at(world, row["exchange"], row["symbol"], row["nonce"])
    model = world.market(row["exchange"], row["symbol"])
    return model.base_levels(book.bids[:levels]), model.base_levels(book.asks[:levels])


def truth_recorder(world, books: pl.DataFrame, obligations: list, levels: int):
    """A TruthRecorder holding every landed book as the simulator had it at the book's update id, at
    the book's ts (the sampled instants), judged against `obligations`."""
    from simulator.truth import TruthRecorder

    recorder = TruthRecorder(obligations)
    for row, ts in zip(books.iter_rows(named=True), event_ts(books)):
        recorder.record(row["exchange"], row["symbol"], ts, *truth_levels(world, row, levels))
    return recorder


def split_obligations(world, books: pl.DataFrame, day: date, levels: int) -> list:
    """Per landed market one obligation that the sampled books meet about half the time: min depth at
    the midpoint of the two middle distinct values of min(bid, ask) depth within BAND_BPS of the truth
    (no book sits on the threshold, so no rounding decides), spread never binding."""
    from simulator.scenario import Obligation
    from simulator.truth_math import snapshot_facts

    obligations = []
    for (venue, symbol), rows in books.group_by("exchange", "symbol", maintain_order=True):
        depths = set()
        for row in rows.iter_rows(named=True):
            facts = snapshot_facts(venue, symbol, 0, *truth_levels(world, row, levels), {BAND_BPS})
            depths.add(min(facts.depth_quote[BAND_BPS]))
        ordered = sorted(depths)
        middle = len(ordered) // 2
        threshold = statistics.fmean(ordered[middle - 1:middle + 1]) if len(ordered) > 1 else ordered[0] / 2
        market_type = rows["market_type"][0]
        obligations.append(Obligation(
            obligation_id=f"split-{venue}-{symbol}", mm_name="Split Maker", exchange=venue,
            market_type=market_type, symbol=symbol, valid_from=day, max_spread_bps=1000,
            depth_band_bps=BAND_BPS, min_depth_usd=threshold, min_uptime_pct=50, alert_after_s=1))
    return obligations


def write_obligations(obligations: list, path: Path) -> Path:
    """The obligations as the CSV `mmwatch build --obligations` reads."""
    from simulator.scenario import load_scenario

    return load_scenario(VENUES).model_copy(update={"obligations": obligations}).write_obligations_csv(path)


def build_days(layout, obligations_csv: Path) -> list[str]:
    """Every UTC day with landing files, built through Dagster (raw assets, dbt marts); the days."""
    from mmwatch.landing.zone import list_landing
    from mmwatch.marts.invocation import environment
    from pipelines.daily_build import run_daily_build

    days = sorted({file.day for file in list_landing(layout, "orderbooks")})
    with environment({"DAGSTER_HOME": str(layout.dagster_home), "MMWATCH_DATA_DIR": str(layout.root),
                      "MMWATCH_OBLIGATIONS_CSV": str(obligations_csv)}):
        for day in days:
            run_daily_build(day, layout.root, obligations_csv)
    return days
