"""`mmwatch status`: the operator's one screen, gathered from what lives outside Dagster — per venue
the newest landing, the lag of its newest usable book, the error rate of its recent fetches and the
collector's budget use (its /metrics); the open alerts (health ledger and warehouse ledger); the
day's coverage per obligation; the landing files in quarantine and their newest reasons. The Dagster runs are added by the command (cli/status.py), which may
query the instance; nothing here does.

Read-only throughout: it creates no file or folder, opens DuckDB files read-only with a bounded
retry, and a warehouse held by a build is a note on the screen, not a failure.
"""
from __future__ import annotations

import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
import duckdb
from prometheus_client.parser import text_string_to_metric_families

from mmwatch.alerts.config import AlertsConfig
from mmwatch.alerts.health_ledger import open_alerts
from mmwatch.alerts.messages import where
from mmwatch.config import CollectionConfig
from mmwatch.duckdb_files import FileBusy, connect_with_retry, read_warehouse
from mmwatch.landing.pulse import read_pulse
from mmwatch.landing.quarantine import QuarantineView, quarantine_view
from mmwatch.landing.zone import LandingFile, list_landing
from mmwatch.report.compliance import compliance_rows
from mmwatch.settings import DataDir
from mmwatch.warehouse_lock import WarehouseBusy, current_holder

RECENT = timedelta(minutes=5)  # the error rate is over the fetches landed this long before the newest file
BOOK_LOOKBACK_FILES = 20  # order-book files read back (newest first) to find the newest usable book
METRICS_URL_ENV = "MMWATCH_COLLECTOR_METRICS_URL"
DEFAULT_METRICS_URL = "http://127.0.0.1:9108"
DATASETS = ("orderbooks", "trades", "fetch_errors")
STATUS_WAIT_S = 2.0  # status waits this long for a build writing the warehouse, then says so in a note


@dataclass
class VenueStatus:
    exchange: str
    markets: int
    last_landing: datetime | None = None
    newest_usable_book: datetime | None = None
    lag_s: float | None = None
    books: int = 0
    book_errors: int = 0
    budget_use: float | None = None
    stale: bool = False

    @property
    def error_rate(self) -> float | None:
        """Failed book fetches / book fetches among the recent files (None: none)."""
        fetches = self.books + self.book_errors
        return self.book_errors / fetches if fetches else None


@dataclass
class RunLine:
    """The last run of one kind (raw, marts, publish, report) as the Dagster instance records it."""

    kind: str
    run_id: str
    status: str
    started: datetime | None
    ended: datetime | None


@dataclass
class AlertLine:
    ledger: str  # health | market
    rule: str
    where: str
    severity: str
    opened_at: datetime


@dataclass
class CoverageLine:
    obligation_id: str
    mm_name: str
    market: str
    coverage_pct: float | None
    uptime_pct: float | None
    verdict: str


@dataclass
class Status:
    now: datetime
    day: str
    venues: list[VenueStatus] = field(default_factory=list)
    runs: list[RunLine] = field(default_factory=list)
    alerts: list[AlertLine] = field(default_factory=list)
    coverage: list[CoverageLine] = field(default_factory=list)
    quarantine: QuarantineView = field(default_factory=QuarantineView)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        return bool(self.problems)

    def document(self) -> dict:
        """The --json document (times as ISO strings)."""
        def plain(value):
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        venues = [{**asdict(v), "error_rate": v.error_rate} for v in self.venues]
        return plain({"now": self.now, "day": self.day, "stale": self.stale, "venues": venues,
                      "runs": [asdict(r) for r in self.runs], "alerts": [asdict(a) for a in self.alerts],
                      "coverage": [asdict(c) for c in self.coverage], "quarantine": asdict(self.quarantine),
                      "problems": self.problems, "notes": self.notes})


def _ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


def _recent_files(data_dir: DataDir, exchange: str, day: date) -> dict[str, list[LandingFile]]:
    """The venue's landing files of `day` and the day before, per data set, oldest first."""
    days = (day - timedelta(days=1), day)
    return {ds: [f for d in days for f in list_landing(data_dir, ds, d.isoformat(), exchange)] for ds in DATASETS}


def venue_status(data_dir: DataDir, exchange: str, markets: int, day: date, now: datetime,
                 stale_after_s: float) -> VenueStatus:
    """One venue from its landing files (nothing written)."""
    status = VenueStatus(exchange, markets)
    files = _recent_files(data_dir, exchange, day) if data_dir.landing.is_dir() else {ds: [] for ds in DATASETS}
    everything = sorted(f for listed in files.values() for f in listed)
    if everything:
        newest_ns = everything[-1].arrival_ns
        status.last_landing = datetime.fromtimestamp(newest_ns / 1e9, timezone.utc)
        recent = [f for f in everything if f.arrival_ns >= newest_ns - RECENT.total_seconds() * 1e9]
        pulse = read_pulse(f for f in recent if f.dataset == "fetch_errors")
        status.books = read_pulse(recent, read_rows=False).rows.get(("orderbooks", exchange), 0)
        status.book_errors = pulse.errors.filter(pulse.errors["dataset"] == "orderbooks").height
        books = files["orderbooks"][-BOOK_LOOKBACK_FILES:]
        for start in range(len(books), 0, -5):  # newest files first, a few at a time
            newest = read_pulse(books[max(0, start - 5):start]).books
            if newest:
                status.newest_usable_book = _ms(max(newest.values()))
                break
    if status.newest_usable_book is not None:
        status.lag_s = round((now - status.newest_usable_book).total_seconds(), 1)
    status.stale = status.lag_s is None or status.lag_s > stale_after_s
    return status


def budget_use(metrics_url: str, timeout_s: float = 2.0) -> dict[str, float] | None:
    """Venue -> share of its budget used in the current window, from the collector's /metrics
    (None: the collector does not answer)."""
    try:
        with urllib.request.urlopen(metrics_url.rstrip("/") + "/metrics", timeout=timeout_s) as response:
            text = response.read().decode()
    except OSError:
        return None
    return {sample.labels["exchange"]: sample.value for family in text_string_to_metric_families(text)
            for sample in family.samples if sample.name == "mmwatch_collector_budget_use_ratio"}


def health_alerts(data_dir: DataDir) -> list[AlertLine]:
    """The open alerts of the health ledger (no data, freshness); none when it does not exist yet."""
    if not data_dir.health_ledger.is_file():
        return []
    with connect_with_retry(data_dir.health_ledger, read_only=True) as con:
        try:
            return [AlertLine("health", a.rule, where(a.exchange, a.market_type, a.symbol), a.severity, a.opened_at)
                    for a in open_alerts(con)]
        except duckdb.CatalogException:
            return []


def warehouse_view(data_dir: DataDir, day: str) -> tuple[list[AlertLine], list[CoverageLine]]:
    """The open market alerts and the day's coverage per obligation, from the warehouse (read-only)."""
    if not data_dir.warehouse.is_file():
        return [], []
    with read_warehouse(data_dir.warehouse, wait_s=STATUS_WAIT_S) as con:
        try:
            alerts = [AlertLine("market", a.rule, where(a.exchange, a.market_type, a.symbol), a.severity, a.opened_at)
                      for a in open_alerts(con)]
        except duckdb.CatalogException:  # no alert cycle ran yet
            alerts = []
        try:
            rows = compliance_rows(con, day)
        except duckdb.CatalogException:  # no marts yet
            rows = []
    coverage = [CoverageLine(r.obligation_id, r.mm_name, f"{r.exchange} {r.symbol} ({r.market_type})", r.coverage_pct,
                             r.uptime_pct, r.verdict) for r in rows]
    return alerts, coverage


def gather(data_dir: DataDir, collection: CollectionConfig | None, alerts_config: AlertsConfig, now: datetime,
           day: str, metrics_url: str | None) -> Status:
    """Everything but the runs; `problems` say what is stale (the exit code follows them)."""
    status = Status(now, day)
    configured = dict.fromkeys(collection.exchanges, 0) if collection else {}
    for exchange, venue in (collection.exchanges.items() if collection else ()):
        configured[exchange] = len(venue.markets)
    seen = {p.name.removeprefix("exchange=") for p in data_dir.landing.glob(f"*/day={day}/exchange=*")} \
        if data_dir.landing.is_dir() else set()
    budgets = budget_use(metrics_url) if metrics_url else None
    if metrics_url and budgets is None:
        status.notes.append(f"the collector's metrics at {metrics_url} do not answer: budget use not shown")
    for exchange in sorted(set(configured) | seen):
        markets = collection.exchanges[exchange].markets if collection and exchange in configured else []
        after = min((alerts_config.no_data_after_s(exchange, "spot", m) for m in markets),
                    default=alerts_config.no_data_after_s(exchange, "spot", ""))
        venue = venue_status(data_dir, exchange, configured.get(exchange, 0), date.fromisoformat(day), now, after)
        venue.budget_use = (budgets or {}).get(exchange)
        status.venues.append(venue)
        if venue.stale and exchange in configured:
            if venue.newest_usable_book is None:
                status.problems.append(f"{exchange}: no usable order book landed today or yesterday")
            else:
                status.problems.append(f"{exchange}: no usable order book for {venue.lag_s:.0f} s, since "
                                       f"{venue.newest_usable_book:%Y-%m-%d %H:%M:%S} UTC (threshold {after:.0f} s)")
    try:
        status.alerts = health_alerts(data_dir)
    except FileBusy as busy:
        status.notes.append(str(busy))
    try:
        market_alerts, status.coverage = warehouse_view(data_dir, day)
        status.alerts += market_alerts
    except (FileBusy, WarehouseBusy):
        holder = current_holder(data_dir.warehouse)
        status.notes.append(f"{data_dir.warehouse} is held by a build{f' ({holder.describe()})' if holder else ''}: "
                            "market alerts and coverage not shown; run mmwatch status again when it ends")
    for alert in status.alerts:
        if alert.ledger == "health":
            status.problems.append(f"open {alert.rule} alert: {alert.where} since {alert.opened_at:%Y-%m-%d %H:%M} UTC")
    status.quarantine = quarantine_view(data_dir)  # files kept out of the lake: shown, not a staleness
    if not data_dir.root.is_dir():
        status.notes.append(f"the data directory {data_dir.root} does not exist yet")
    return status


def metrics_url_from(environ: dict[str, str]) -> str:
    """$MMWATCH_COLLECTOR_METRICS_URL, else the collector's default endpoint on this host."""
    return environ.get(METRICS_URL_ENV) or DEFAULT_METRICS_URL
