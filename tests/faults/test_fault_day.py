"""The fault day (tests/faults/fault_day.py): 26 minutes of five venues, each with its faults, collected
by the real collector in virtual time from the simulator, then `mmwatch build` of the day (raw run into
the lake, every dbt model, the report). Per fault: what the collector did (the simulator's request
counters, the fetch errors and their messages) and what the lake and the marts make of it; overall,
every book, trade and fetch error counted once from landing to lake to marts."""
from __future__ import annotations

import re

import polars as pl
import pytest

from fault_day import DAY, END_S, STORM, SYMBOL, VENUES, at
from fault_day_run import CYCLES, START_MS, FaultDay, seconds

pytestmark = pytest.mark.e2e
MINUTES = END_S // 60 + 1  # minutes holding a cycle
# book fetches that failed, per venue (the faults of fault_day.py, cycle by cycle)
FAILED_BOOKS = {"binance": 12, "okx": 6, "bitget": 6, "gate": 6 + 60, "bybit": 0}
STALE_REPEATS = 6  # okx 00:10:00 .. 00:10:50 served the 00:09:50 book again
CROSSED = 12  # bybit 00:07:00 .. 00:08:50


@pytest.fixture
def day(fault_day_built) -> FaultDay:
    return fault_day_built


def test_the_day_builds_in_one_go(day):
    assert day.build_exit == 0, day.build_output
    assert "Traceback" not in day.build_output
    assert f"built {DAY} for {', '.join(sorted(VENUES))}" in day.build_output


def test_binance_429_then_418_ban_nothing_sent_until_retry_after(day):
    # the neighbour on the collector's IP spends the window (its 429 is strike 1); the collector's own
    # request at 00:02:20 is strike 2; the neighbour's next 429 is strike 3 and earns the 2-minute ban
    assert day.timeline.neighbour[0][-1] == 429 and day.timeline.neighbour[1] == [429, 418]
    errors = day.errors("binance")
    by_second = dict(zip(errors["s"], errors["error_class"]))
    assert by_second == {at(2, 20): "DDoSProtection", **{s: "RetryAfter" for s in range(at(2, 30), at(3), 10)},
                         at(3): "DDoSProtection", **{s: "RetryAfter" for s in range(at(3, 10), at(4, 20), 10)}}
    message = dict(zip(errors["s"], errors["message"]))
    assert message[at(2, 20)].startswith("binance 429 Too Many Requests")
    assert message[at(2, 30)] == ("not sent: binance answered HTTP 429 (rate limited) at 00:02:20 UTC with "
                                  "Retry-After 40 s; no request to binance until 00:03:00 UTC")
    banned_until = int(re.search(r"IP banned until (\d+)", message[at(3)]).group(1))
    assert message[at(3)].startswith("binance 418") and banned_until == START_MS + at(4, 20) * 1000
    assert message[at(3, 10)] == ("not sent: binance answered HTTP 418 (IP banned) at 00:03:00 UTC with "
                                  "Retry-After 80 s; no request to binance until 00:04:20 UTC")
    # the simulator saw no binance request while the collector was told to wait, one a cycle otherwise
    asked = {s: day.timeline.asked("binance", s) for s in range(at(2), at(5), 10)}
    waiting = set(range(at(2, 30), at(3), 10)) | set(range(at(3, 10), at(4, 20), 10))
    assert {s for s, n in asked.items() if n == 0} == waiting
    assert all(asked[s] == 1 for s in set(asked) - waiting)
    assert (day.stats["binance"]["rate_limited"], day.stats["binance"]["banned"]) == (3, 2)  # 429s, 418s answered
    # the first book after the ban is the cycle at its end; one warning line per Retry-After
    assert day.books("binance").filter(pl.col("s") > at(2, 20))["s"][0] == at(4, 20)
    assert [line for line in day.warnings if "Retry-After" in line] == [
        "binance answered HTTP 429 (rate limited) at 00:02:20 UTC with Retry-After 40 s: no request to binance "
        "until 00:03:00 UTC; its fetches are recorded as RetryAfter errors meanwhile",
        "binance answered HTTP 418 (IP banned) at 00:03:00 UTC with Retry-After 80 s: no request to binance "
        "until 00:04:20 UTC; its fetches are recorded as RetryAfter errors meanwhile"]
    # the other venues were asked and answered every cycle of the ban
    for venue in ("okx", "bitget", "gate", "bybit"):
        assert all(day.timeline.asked(venue, s) == 2 for s in waiting), venue
        assert set(range(at(2, 20), at(4, 20), 10)) <= set(day.books(venue)["s"]), venue


def test_okx_5xx_storm_is_fetch_errors_by_status_and_it_resumes(day):
    for dataset in ("orderbooks", "trades"):
        errors = day.errors("okx", dataset).filter(pl.col("s").is_between(at(6), at(7) - 1))
        statuses = [int(re.search(r" (5\d\d) ", m).group(1)) for m in errors["message"]]
        assert statuses == list(STORM) and errors["s"].to_list() == list(range(at(6), at(7), 10))
        classes = dict(zip(statuses, errors["error_class"]))
        assert classes == {500: "ExchangeNotAvailable", 502: "ExchangeNotAvailable", 503: "ExchangeNotAvailable",
                           504: "RequestTimeout"}
    books = set(day.books("okx")["s"])
    assert not books & set(range(at(6), at(7), 10)) and {at(5, 50), at(7)} <= books
    (covered,) = day.marts(f"select covered_minutes from fct_mm_compliance_daily where obligation_id = 'okx-btc'")[0]
    assert covered == MINUTES - 2  # the storm's minute and the stale minute are not covered


def test_a_stale_okx_book_counts_once(day):
    books = day.books("okx").filter(pl.col("s").is_between(at(9, 50), at(10, 50)))
    frozen = books.row(0, named=True)
    assert books.height == 1 + STALE_REPEATS and frozen["s"] == at(9, 50)
    for repeat in books.iter_rows(named=True):  # the same book, received again and again
        assert (repeat["exchange_ts"], repeat["bids"], repeat["asks"]) == (frozen["exchange_ts"], frozen["bids"],
                                                                           frozen["asks"])
    lake = day.lake("raw_orderbooks").filter(pl.col("exchange") == "okx")
    assert lake.filter(pl.col("exchange_ts") == frozen["exchange_ts"]).height == 1
    minutes = day.marts(f"select (ts - {START_MS}) // 60000, count(*) from fct_orderbook_snapshot_metrics "
                        f"where exchange = 'okx' and ts between {START_MS + at(9) * 1000} and "
                        f"{START_MS + at(11, 59) * 1000} group by 1 order by 1")
    assert minutes == [(9, 6), (11, 6)]  # 00:10: nothing new, the frozen book is 00:09:50's


def test_bitget_timeouts_leave_the_other_venues_alone(day):
    slow = list(range(at(12), at(12, 30), 10))
    for dataset in ("orderbooks", "trades"):
        errors = day.errors("bitget", dataset).filter(pl.col("s").is_between(at(12), at(12, 50)))
        assert errors["s"].to_list() == slow and set(errors["error_class"]) == {"RequestTimeout"}
        assert all(m.startswith("bitget GET http://") for m in errors["message"])
    assert all(day.timeline.asked("bitget", s) == 2 for s in slow)  # asked, never answered in time
    for venue in ("binance", "okx", "gate", "bybit"):
        assert set(slow) <= set(day.books(venue)["s"]), venue
    assert at(12, 30) in set(day.books("bitget")["s"])


def test_malformed_json_is_a_fetch_error_never_a_half_book(day):
    cut = list(range(at(13), at(13, 30), 10))
    for dataset in ("orderbooks", "trades"):
        errors = day.errors("bitget", dataset).filter(pl.col("s").is_between(at(13), at(13, 50)))
        assert errors["s"].to_list() == cut and set(errors["error_class"]) == {"BadResponse"}
        assert all("the JSON body does not parse" in m for m in errors["message"])
    books = day.books("bitget")
    assert not set(cut) & set(books["s"])
    assert set(books["bids"].list.len()) == set(books["asks"].list.len()) == {20}


def test_gate_empty_bodies_and_ten_minutes_down_are_our_gap_not_a_breach(day):
    errors = day.errors("gate")
    empty = errors.filter(pl.col("s").is_between(at(5), at(6) - 1))
    assert empty["s"].to_list() == list(range(at(5), at(6), 10)) and set(empty["error_class"]) == {"ExchangeError"}
    for dataset in ("orderbooks", "trades"):
        down = day.errors("gate", dataset).filter(pl.col("s") >= at(14))
        assert down["s"].to_list() == list(range(at(14), at(24), 10))
        assert all(" 503 Service Unavailable" in m for m in down["message"])
    assert not set(day.books("gate")["s"]) & (set(range(at(5), at(6), 10)) | set(range(at(14), at(24), 10)))
    ((covered, episodes, breach_minutes, uptime, verdict),) = day.marts(
        "select covered_minutes, breach_episodes, breach_minutes, uptime_pct, verdict "
        "from fct_mm_compliance_daily where obligation_id = 'gate-btc'")
    assert (covered, episodes, breach_minutes, uptime) == (MINUTES - 11, 0, 0, 100.0)
    assert verdict == "insufficient_data"  # 16 minutes of a day: never 'fail'
    ((gaps,),) = day.marts("select gaps from fct_data_coverage_daily where exchange = 'gate' and dataset = 'orderbooks'")
    spans = [((g["start_ts"] - START_MS) // 1000, (g["end_ts"] - START_MS) // 1000) for g in gaps]
    assert spans[:2] == [(at(4, 50), at(6)), (at(13, 50), at(24))]


def test_crossed_bybit_books_are_kept_invalid(day):
    lake = day.lake("raw_orderbooks").filter(pl.col("exchange") == "bybit").with_columns(seconds())
    invalid = lake.filter(~pl.col("is_valid"))
    assert invalid["s"].sort().to_list() == list(range(at(7), at(9), 10))
    assert set(invalid["invalid_reason"]) == {"crossed_book"} and lake.height == CYCLES
    ((invalid_count, usable, covered, episodes),) = day.marts(
        "select invalid_snapshots, usable_snapshots, covered_minutes, breach_episodes "
        "from fct_mm_compliance_daily where obligation_id = 'bybit-btc'")
    assert (invalid_count, usable, covered, episodes) == (CROSSED, CYCLES - CROSSED, MINUTES - 2, 0)


def test_every_row_counted_once_from_landing_to_lake_to_marts(day):
    books, lake = day.landing["orderbooks"], day.lake("raw_orderbooks")
    assert lake["snapshot_id"].is_unique().all()
    marts = dict(day.marts("select exchange, count(*) from fct_orderbook_snapshot_metrics group by 1"))
    coverage = {(e, d): (n, u) for e, d, n, u in day.marts(
        "select exchange, dataset, received_samples, usable_samples from fct_data_coverage_daily")}
    trades_mart = dict(day.marts("select exchange, sum(trade_count) from fct_trades_minute group by 1"))
    for venue in VENUES:
        landed_books = books.filter(pl.col("exchange") == venue)
        distinct = landed_books.select(pl.coalesce("exchange_ts", "received_ts"), "bids", "asks").unique().height
        in_lake = lake.filter(pl.col("exchange") == venue)
        assert landed_books.height == CYCLES - FAILED_BOOKS[venue], venue
        assert distinct == in_lake.height == landed_books.height - (STALE_REPEATS if venue == "okx" else 0), venue
        valid = in_lake.filter(pl.col("is_valid")).height
        assert marts[venue] == valid == in_lake.height - (CROSSED if venue == "bybit" else 0), venue
        assert coverage[(venue, "orderbooks")] == (in_lake.height, valid), venue
        errors = day.landing["fetch_errors"].filter(pl.col("exchange") == venue).height
        assert day.lake("raw_fetch_errors").filter(pl.col("exchange") == venue).height == errors, venue
        assert coverage.get((venue, "fetch_errors"), (0,))[0] == errors, venue
    trades = day.landing["trades"]
    for venue in ("okx", "bitget", "gate", "bybit"):  # binance: books only
        ids = trades.filter(pl.col("exchange") == venue)["trade_id"]
        assert ids.is_unique().all() and ids.len() == 20 * (MINUTES - 1), venue  # 20 a minute, none lost
        in_lake = day.lake("raw_trades").filter(pl.col("exchange") == venue)
        assert in_lake.height == ids.len() == trades_mart[venue] == coverage[(venue, "trades")][0], venue
    assert SYMBOL in set(books["symbol"])
