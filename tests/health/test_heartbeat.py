"""The heartbeat (mmwatch/alerts/heartbeat.py) on landing files written by hand, ticked at chosen
instants: a silent market fires at its newest usable book + 5 min on the data route, a venue whose
every market is silent fires once for the venue and says whether anything still lands, both turn
critical at 3 x the window and close when usable books land again; a crossed book is not a usable
one; nothing is sent twice; no warehouse is touched."""
from __future__ import annotations

from datetime import timedelta

import duckdb

from health_rows import alerts_config, book, fetch_error, land, now_s
from mmwatch.alerts.heartbeat import run_heartbeat
from mmwatch.alerts.ledger import LEDGER
from mmwatch.config import parse_config
from mmwatch.settings import DataDir

COLLECTION = parse_config({"exchanges": {"binance": {"markets": ["BTC/USDT", "ETH/USDT"]},
                                         "okx": {"markets": ["BTC/USDT"]}}})


def _at(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def _tick(data_dir, at):
    return run_heartbeat(data_dir, COLLECTION, alerts_config(), now=at)


def _texts(route) -> list[str]:
    return [body["text"] for _, body in route.posts]


def test_a_silent_market_and_a_failing_venue_fire_escalate_and_close(tmp_path, data_route):
    data_dir, t0 = DataDir(tmp_path), now_s()
    land(data_dir, "orderbooks", [book("binance", "BTC/USDT", t0 - timedelta(seconds=30)),
                                  book("binance", "ETH/USDT", t0 - timedelta(seconds=30))])
    land(data_dir, "orderbooks", [book("okx", "BTC/USDT", t0 - timedelta(seconds=30))])
    first = _tick(data_dir, t0)
    assert first.cycle.episodes == [] and data_route.posts == []
    assert {key: s.last_usable_book for key, s in first.states.items()} == dict.fromkeys(
        [("binance", "BTC/USDT"), ("binance", "ETH/USDT"), ("okx", "BTC/USDT")], t0 - timedelta(seconds=30))

    # binance BTC/USDT keeps landing; ETH/USDT stops; okx answers only errors
    land(data_dir, "orderbooks", [book("binance", "BTC/USDT", t0 + timedelta(seconds=60))])
    land(data_dir, "fetch_errors", [fetch_error("okx", "BTC/USDT", t0 + timedelta(seconds=s)) for s in (10, 20)])
    assert _tick(data_dir, t0 + timedelta(seconds=269)).cycle.changes == []  # 299 s of silence: not yet
    fired = _tick(data_dir, t0 + timedelta(seconds=300))
    assert sorted((c.event, c.severity, c.episode.exchange, c.episode.symbol) for c in fired.cycle.changes) == [
        ("open", "warning", "binance", "ETH/USDT"), ("open", "warning", "okx", "*")]
    assert {c.episode.opened_at for c in fired.cycle.changes} == {t0 + timedelta(seconds=270)}  # since + 300 s
    eth, okx = sorted(_texts(data_route), key=lambda t: "okx" in t)
    assert eth.startswith("[mmwatch] FIRED warning no_data binance ETH/USDT (spot): fired at ")
    assert f"no_usable_book_since {_at(t0 - timedelta(seconds=30))}" in eth and "fetch_errors_since 0" in eth
    assert okx.startswith("[mmwatch] FIRED warning no_data okx (every market)")
    assert "fetch errors keep landing: the venue is down or refuses the collector" in okx
    assert "fetch_errors_since 2" in okx and "last_error ExchangeNotAvailable: okx GET depth 503" in okx
    assert all("not a market-maker breach" in t and t.endswith("Runbook: docs/runbook.md#no_data") for t in (eth, okx))
    assert all(body["route"] == "data" and body["obligation_id"] is None and body["mm_name"] is None
               for _, body in data_route.posts)

    assert _tick(data_dir, t0 + timedelta(seconds=300)).cycle.changes == [] and len(data_route.posts) == 2
    land(data_dir, "orderbooks", [book("binance", "BTC/USDT", t0 + timedelta(seconds=800))])
    escalated = _tick(data_dir, t0 + timedelta(seconds=870))  # since + 3 x 300 s
    assert sorted((c.event, c.episode.symbol) for c in escalated.cycle.changes) == [("escalate", "*"),
                                                                                   ("escalate", "ETH/USDT")]
    assert all(t.startswith("[mmwatch] ESCALATED critical no_data") for t in _texts(data_route)[2:])

    land(data_dir, "orderbooks", [book("binance", "ETH/USDT", t0 + timedelta(seconds=880))])
    land(data_dir, "orderbooks", [book("okx", "BTC/USDT", t0 + timedelta(seconds=885))])
    closed = _tick(data_dir, t0 + timedelta(seconds=900))
    assert sorted((c.event, c.severity, c.episode.symbol, c.episode.closed_at) for c in closed.cycle.changes) == [
        ("close", "critical", "*", t0 + timedelta(seconds=885)),
        ("close", "critical", "ETH/USDT", t0 + timedelta(seconds=880))]
    assert len(data_route.posts) == 6 and all(t.startswith("[mmwatch] RESOLVED critical no_data")
                                              for t in _texts(data_route)[4:])
    with duckdb.connect(str(data_dir.health_ledger), read_only=True) as con:
        assert con.execute(f"select rule, status, count(*) from {LEDGER} group by all").fetchall() == [
            ("no_data", "closed", 2)]
    assert not data_dir.warehouse.exists()


def test_crossed_books_do_not_count_and_the_venue_alert_says_what_still_lands(tmp_path, data_route):
    data_dir, t0 = DataDir(tmp_path), now_s()
    land(data_dir, "orderbooks", [book("binance", "BTC/USDT", t0), book("binance", "ETH/USDT", t0 + timedelta(seconds=100))])
    land(data_dir, "orderbooks", [book("okx", "BTC/USDT", t0 + timedelta(seconds=100))])
    _tick(data_dir, t0)
    land(data_dir, "orderbooks", [book("binance", "BTC/USDT", t0 + timedelta(seconds=200), bid=100.2, ask=100.1)])
    beat = _tick(data_dir, t0 + timedelta(seconds=350))  # BTC/USDT: 350 s since its last usable book
    assert [(c.event, c.episode.symbol) for c in beat.cycle.changes] == [("open", "BTC/USDT")]
    assert f"no_usable_book_since {_at(t0)}" in _texts(data_route)[0]

    stopped = _tick(data_dir, t0 + timedelta(seconds=1000))  # nothing landed since: every venue silent
    opened = sorted((c.episode.exchange, c.episode.symbol) for c in stopped.cycle.changes if c.event == "open")
    assert opened == [("binance", "*"), ("okx", "*")]  # ETH/USDT is named by its venue's alert, not alone
    binance, okx = sorted((t for t in _texts(data_route) if "(every market)" in t), key=lambda t: "okx" in t)
    assert "nothing lands from this venue at all: the collector is stopped or cannot write" in okx
    assert "books land but none is usable (invalid: crossed, bad prices)" in binance  # the crossed book
    assert "markets BTC/USDT, ETH/USDT" in binance
    assert stopped.cycle.changes[0].episode.values["no_usable_book_since"] == _at(t0 + timedelta(seconds=100))
