"""The heartbeat: spec §6 "no data" evaluated from what has landed, on its own cadence, whether or
not the marts run (a stopped collector starts no marts run, so the marts' own no_data cannot see it).

Each tick reads the landing files that arrived since the previous one (the landing sensor's cursor
logic, kept in the health ledger), keeps per configured market the newest usable book (spec §1; a
fetch-error file never counts), the fetch errors since it and per venue the newest file of any
kind, then judges:

- a market without a usable book for `after_s` (AlertsConfig.no_data_after_s) is silent since its
  newest usable book (or since the heartbeat began watching it); it fires at since + after_s and
  turns critical at since + after_s x severity.duration_factor;
- when every market of a venue is silent, one alert names the venue (symbol `*`) and says whether
  anything still lands from it (fetch errors: the venue fails; nothing: the collector is stopped);
- an open alert closes when a usable book lands again.

Alerts go to the route `data` (data engineers) and are never counted against a market maker.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

import duckdb
import polars as pl

from mmwatch.alerts.config import AlertsConfig
from mmwatch.alerts.episodes import ALL_MARKETS, Episode
from mmwatch.alerts.health_ledger import HealthCycle, OpenAlert, open_alerts, open_health_ledger, record_health
from mmwatch.collector.venues import guess_market_type
from mmwatch.config import CollectionConfig
from mmwatch.landing.batches import LandingCursor, new_files
from mmwatch.landing.pulse import LandingPulse, read_pulse
from mmwatch.landing.scan import landing_files_since
from mmwatch.mail import SmtpSettings
from mmwatch.settings import DataDir

RULE = "no_data"
MARKETS = "alerts.heartbeat_markets"
VENUES = "alerts.heartbeat_venues"
CURSOR = "alerts.heartbeat_cursor"
STATE_DDL = [
    f"""create table if not exists {MARKETS} (
        exchange varchar, market_type varchar, symbol varchar,
        watched_since timestamptz,      -- the first tick that watched this market
        last_usable_book timestamptz,   -- received_ts of its newest usable book landed
        last_error_at timestamptz, last_error varchar,
        errors_since_book bigint,       -- fetch errors landed after that book
        primary key (exchange, symbol))""",
    f"""create table if not exists {VENUES} (
        exchange varchar primary key,
        last_landing timestamptz,       -- the newest landing file of any data set
        last_row timestamptz)           -- received_ts of the newest book (usable or not) or fetch error""",
    f"create table if not exists {CURSOR} (cursor varchar, scanned_at timestamptz)",
]
_MARKET_COLUMNS = ("exchange", "market_type", "symbol", "watched_since", "last_usable_book", "last_error_at",
                   "last_error", "errors_since_book")


@dataclass(frozen=True)
class MarketState:
    """What the heartbeat knows of one configured market."""

    exchange: str
    market_type: str
    symbol: str
    watched_since: datetime
    last_usable_book: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None
    errors_since_book: int = 0

    @property
    def silent_since(self) -> datetime:
        """Its newest usable book, else when the heartbeat began watching it."""
        return self.last_usable_book or self.watched_since


@dataclass(frozen=True)
class VenueState:
    """A venue's newest landing file and newest row received (book or fetch error)."""

    last_landing: datetime | None = None
    last_row: datetime | None = None


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(timezone.utc)


def _ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


def _at(value: datetime | None) -> str:
    return "none" if value is None else value.strftime("%Y-%m-%d %H:%M:%S UTC")


def configured_markets(config: CollectionConfig) -> list[tuple[str, str, str]]:
    """(exchange, market type, symbol) of every market whose order books the config collects."""
    return [(exchange, guess_market_type(symbol), symbol) for exchange, venue in config.exchanges.items()
            if venue.wants("orderbooks") for symbol in venue.markets]


def _read_state(con: duckdb.DuckDBPyConnection) -> tuple[dict[tuple[str, str], MarketState], dict[str, VenueState]]:
    rows = con.execute(f"select {', '.join(_MARKET_COLUMNS)} from {MARKETS}").fetchall()
    markets = {}
    for e, t, s, watched, book, error_at, error, since in rows:
        markets[(e, s)] = MarketState(e, t, s, _utc(watched), _utc(book), _utc(error_at), error, since)
    venues = {e: VenueState(_utc(landing), _utc(row))
              for e, landing, row in con.execute(f"select exchange, last_landing, last_row from {VENUES}").fetchall()}
    return markets, venues


def _merged(state: MarketState, pulse: LandingPulse, errors: pl.DataFrame) -> MarketState:
    """`state` after the files of `pulse` (`errors`: this market's fetch errors among them)."""
    newest = pulse.books.get((state.exchange, state.symbol))
    book = state.last_usable_book
    since_count = state.errors_since_book
    if newest is not None and (book is None or _ms(newest) > book):
        book, since_count = _ms(newest), 0
    if not errors.is_empty():
        after = errors if book is None else errors.filter(pl.col("received_ts") > int(book.timestamp() * 1000))
        since_count += after.height
        last = errors.row(-1, named=True)
        if state.last_error_at is None or _ms(last["received_ts"]) >= state.last_error_at:
            state = replace(state, last_error_at=_ms(last["received_ts"]),
                            last_error=f"{last['error_class']}: {last['message']}"[:200])
    return replace(state, last_usable_book=book, errors_since_book=since_count)


def _replace_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list) -> None:
    """`table` holds exactly `rows` (markets no longer configured are forgotten)."""
    con.execute(f"delete from {table}")
    if rows:
        con.executemany(f"insert into {table} values ({', '.join('?' for _ in rows[0])})", rows)


def advance(con: duckdb.DuckDBPyConnection, data_dir: DataDir, markets: list[tuple[str, str, str]], now: datetime,
            first_scan: timedelta) -> tuple[dict[tuple[str, str], MarketState], dict[str, VenueState]]:
    """Read the landing files new since the previous tick (the first tick reads `first_scan` back) and
    return the updated state of every configured market and the newest landing of every venue."""
    for statement in STATE_DDL:
        con.execute(statement)
    stored = con.execute(f"select cursor from {CURSOR}").fetchone()
    cursor = LandingCursor.parse(stored[0]) if stored else LandingCursor(int((now - first_scan).timestamp() * 1e9))
    fresh, next_cursor = new_files(landing_files_since(data_dir, cursor.watermark), cursor)
    pulse = read_pulse(fresh)
    known, venues = _read_state(con)
    states = {}
    for exchange, market_type, symbol in markets:
        state = known.get((exchange, symbol)) or MarketState(exchange, market_type, symbol, now)
        errors = pulse.errors.filter((pl.col("exchange") == exchange) & (pl.col("symbol") == symbol))
        states[(exchange, symbol)] = _merged(state, pulse, errors)
    for exchange in set(pulse.landed_ns) | set(pulse.received_ms):
        old = venues.get(exchange) or VenueState()
        landed = pulse.landed_ns.get(exchange)
        row = pulse.received_ms.get(exchange)
        landed = None if landed is None else datetime.fromtimestamp(landed / 1e9, timezone.utc)
        row = None if row is None else _ms(row)
        venues[exchange] = VenueState(max(filter(None, (old.last_landing, landed)), default=None),
                                      max(filter(None, (old.last_row, row)), default=None))
    _replace_rows(con, MARKETS, [[getattr(s, name) for name in _MARKET_COLUMNS] for s in states.values()])
    _replace_rows(con, VENUES, [(e, v.last_landing, v.last_row) for e, v in sorted(venues.items())])
    con.execute(f"delete from {CURSOR}")
    con.execute(f"insert into {CURSOR} values (?, ?)", [next_cursor.serialize(), now])
    return states, venues


def _key(exchange: str, market_type: str, symbol: str) -> str:
    """The alert key of a market's no-data alert (mmwatch.alerts.episodes.Episode.key)."""
    return Episode(RULE, exchange, market_type, symbol, None, None, datetime.min, None, None, datetime.min, True).key


def _silent_for(since: datetime, now: datetime) -> str:
    seconds = int((now - since).total_seconds())
    return f"{seconds // 60} min {seconds % 60} s"


def _market_values(state: MarketState, now: datetime) -> dict:
    values = {"no_usable_book_since": _at(state.silent_since), "silent_for": _silent_for(state.silent_since, now),
              "fetch_errors_since": state.errors_since_book}
    if state.last_usable_book is None:
        values["no_usable_book_since"] = f"{_at(state.watched_since)} (watching began; none landed before)"
    if state.last_error:
        values["last_error"] = state.last_error
    return values


def _venue_values(states: list[MarketState], venue: VenueState, since: datetime, now: datetime) -> dict:
    errors = sum(s.errors_since_book for s in states)
    last_error = max((s for s in states if s.last_error_at), key=lambda s: s.last_error_at, default=None)
    if venue.last_row is None or venue.last_row <= since:
        likely = "nothing lands from this venue at all: the collector is stopped or cannot write"
    elif last_error is not None and last_error.last_error_at > since:
        likely = "fetch errors keep landing: the venue is down or refuses the collector"
    else:
        likely = "books land but none is usable (invalid: crossed, bad prices)"
    values = {"markets": ", ".join(s.symbol for s in states), "no_usable_book_since": _at(since),
              "silent_for": _silent_for(since, now), "last_landing": _at(venue.last_landing),
              "fetch_errors_since": errors, "likely": likely}
    if last_error is not None:
        values["last_error"] = last_error.last_error
    return values


def silences(states: dict[tuple[str, str], MarketState], venues: dict[str, VenueState], config: AlertsConfig,
             now: datetime, already_open: list[OpenAlert]) -> list[Episode]:
    """Every no-data alert that should be open at `now` (market or whole venue), plus a closing
    episode for each open one whose data came back."""
    factor = config.severity.duration_factor
    opened = {alert.key: alert for alert in already_open}
    episodes: list[Episode] = []

    def episode(exchange: str, market_type: str, symbol: str, since: datetime, after_s: float, values: dict) -> Episode:
        fired = since + timedelta(seconds=after_s)
        critical = since + timedelta(seconds=after_s * factor)
        return Episode(RULE, exchange, market_type, symbol, None, None, fired, critical if now >= critical else None,
                       None, now, True, values)

    by_venue: dict[str, list[MarketState]] = {}
    for state in states.values():
        by_venue.setdefault(state.exchange, []).append(state)
    for exchange, venue_states in by_venue.items():
        after = {s.symbol: config.no_data_after_s(exchange, s.market_type, s.symbol) for s in venue_states}
        silent = [s for s in venue_states if now - s.silent_since >= timedelta(seconds=after[s.symbol])]
        if silent and len(silent) == len(venue_states):
            since = max(s.silent_since for s in silent)
            fired_at = max(s.silent_since + timedelta(seconds=after[s.symbol]) for s in silent)
            critical = since + (fired_at - since) * factor
            episodes.append(Episode(RULE, exchange, ALL_MARKETS, ALL_MARKETS, None, None, fired_at,
                                    critical if now >= critical else None, None, now, True,
                                    _venue_values(venue_states, venues.get(exchange) or VenueState(), since, now)))
            # markets alerting before the whole venue went quiet stay open; no new ones
            silent = [s for s in silent if _key(exchange, s.market_type, s.symbol) in opened]
        for state in silent:
            episodes.append(episode(exchange, state.market_type, state.symbol, state.silent_since, after[state.symbol],
                                    _market_values(state, now)))
    still = {e.key for e in episodes}
    for alert in already_open:
        if alert.key in still:
            continue
        if alert.symbol == ALL_MARKETS:
            back = [s.last_usable_book for s in by_venue.get(alert.exchange, []) if s.last_usable_book]
        else:
            state = states.get((alert.exchange, alert.symbol))
            back = [state.last_usable_book] if state and state.last_usable_book else []
        if not back:  # no longer configured: the ledger closes it (mmwatch.alerts.ledger._close_missing)
            continue
        data_back = max(back)
        episodes.append(Episode(RULE, alert.exchange, alert.market_type, alert.symbol, None, None, alert.opened_at,
                                alert.opened_at if alert.severity == "critical" else None, max(data_back, alert.opened_at),
                                now, True, {"usable_books_again_at": _at(data_back)}))
    return sorted(episodes, key=lambda e: e.key)


@dataclass(frozen=True)
class Heartbeat:
    """One heartbeat tick: the state it judged on and the ledger cycle."""

    states: dict[tuple[str, str], MarketState]
    venues: dict[str, VenueState]
    cycle: HealthCycle

    def summary(self) -> str:
        """One line for the sensor's tick: silent markets/venues now, and what changed."""
        silent = [f"{e.exchange} {'(every market)' if e.symbol == ALL_MARKETS else e.symbol}"
                  for e in self.cycle.episodes if e.closed_at is None]
        changes = ", ".join(f"{c.event} {c.episode.exchange} {c.episode.symbol}" for c in self.cycle.changes)
        return (f"{len(self.states)} markets watched; silent: {', '.join(silent) or 'none'}"
                + (f"; recorded: {changes}" if changes else ""))


def run_heartbeat(data_dir: DataDir, collection: CollectionConfig, config: AlertsConfig,
                  now: datetime | None = None, smtp: SmtpSettings | None = None, deliver: bool = True) -> Heartbeat:
    """One tick: read what landed since the previous one, open/close no-data alerts in the health
    ledger, deliver what is owed (to the route `data`)."""
    started = time.perf_counter()
    now = now or datetime.now(timezone.utc)
    with open_health_ledger(data_dir) as con:
        states, venues = advance(con, data_dir, configured_markets(collection), now,
                                 timedelta(minutes=config.heartbeat.first_scan_minutes))
        episodes = silences(states, venues, config, now, open_alerts(con, RULE))
        cycle = record_health(con, RULE, episodes, config, now, smtp, deliver, started)
    return Heartbeat(states, venues, cycle)
