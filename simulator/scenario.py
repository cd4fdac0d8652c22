"""The YAML scenario format: one simulated UTC day of venues, markets, market makers and obligations.

A scenario is data; `load_scenario(path)` validates it and raises `mmwatch.errors.ConfigError`
naming the file, the key path and the bad value, e.g.
`scenario demo.yaml: venues.binance.markets[2].symbol: 'ETHBTC' is not BASE/QUOTE`.

Behaviour windows ("HH:MM"-"HH:MM", UTC, end exclusive, "24:00" allowed) repeat every day;
outside every window a market maker quotes `normal`ly.
"""
from __future__ import annotations

import csv
import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mmwatch.errors import ConfigError

SYMBOL_RE = re.compile(r"^[A-Z0-9]+/[A-Z0-9]+$")
HHMM_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
DAY_MS = 86_400_000
SUPPORTED_VENUES = ("binance",)  # one dialect module per venue in simulator/dialects

Behaviour = Literal[
    "normal", "absent", "one_sided_bid", "one_sided_ask", "wide_spread", "thin_book",
    "crossed", "outage", "empty_body",
]
OBLIGATION_COLUMNS = (
    "obligation_id", "mm_name", "exchange", "market_type", "symbol", "valid_from", "valid_to",
    "max_spread_bps", "depth_band_bps", "min_depth_usd", "min_uptime_pct", "min_coverage_pct",
    "min_days_pct", "alert_after_s",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_symbol(value: str) -> str:
    if not SYMBOL_RE.match(value):
        raise ValueError(f"{value!r} is not BASE/QUOTE")
    return value


Symbol = Annotated[str, AfterValidator(_check_symbol)]


class Background(_Model):
    """Liquidity that is not the market maker's: `levels` per side from `distance_bps` off the mid,
    `step_bps` apart, each about `size` base units (seeded jitter)."""

    levels: int = Field(150, ge=1, le=5000)
    distance_bps: float = Field(60.0, gt=0)
    step_bps: float = Field(5.0, gt=0)
    size: float = Field(gt=0)


class Market(_Model):
    """One spot market of a venue and how its price and background book behave."""

    symbol: Symbol
    market_type: Literal["spot"] = "spot"
    start_price: float = Field(gt=0)
    volatility_bps: float = Field(1.0, ge=0, description="std-dev of log-price per sqrt(second), bps")
    tick_size: float = Field(gt=0)
    amount_step: float = Field(gt=0)
    background: Background
    trades_per_minute: int = Field(20, ge=0, le=6000)
    trade_size: float = Field(gt=0, description="typical trade amount, base units")
    large_trade_prob: float = Field(0.01, ge=0, le=1)

    @property
    def base(self) -> str:
        return self.symbol.split("/")[0]

    @property
    def quote(self) -> str:
        return self.symbol.split("/")[1]


class Venue(_Model):
    markets: list[Market] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_symbols(self) -> "Venue":
        seen = [m.symbol for m in self.markets]
        dupes = sorted({s for s in seen if seen.count(s) > 1})
        if dupes:
            raise ValueError(f"symbol {dupes[0]!r} is listed twice")
        return self


class Quoting(_Model):
    """Normal quoting: `spread_bps` touch to touch, `depth_usd` (quote currency) per side spread
    over `levels` levels between the touch and `band_bps` from the mid."""

    spread_bps: float = Field(gt=0)
    depth_usd: float = Field(gt=0)
    band_bps: float = Field(gt=0)
    levels: int = Field(5, ge=1, le=200)


class Window(_Model):
    """A behaviour window over the UTC day, `start` inclusive, `end` exclusive."""

    start: str
    end: str
    behaviour: Behaviour
    spread_bps: float | None = Field(None, gt=0, description="wide_spread: the spread quoted")
    depth_fraction: float | None = Field(None, gt=0, le=1, description="thin_book: share of depth")

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not HHMM_RE.match(value):
            raise ValueError(f"{value!r} is not HH:MM (00:00 to 24:00)")
        return value

    @model_validator(mode="after")
    def _params(self) -> "Window":
        if self.start_ms >= self.end_ms:
            raise ValueError(f"start {self.start!r} is not before end {self.end!r}")
        if self.behaviour == "wide_spread" and self.spread_bps is None:
            raise ValueError("wide_spread needs spread_bps")
        if self.behaviour == "thin_book" and self.depth_fraction is None:
            raise ValueError("thin_book needs depth_fraction")
        return self

    @property
    def start_ms(self) -> int:
        return _hhmm_ms(self.start)

    @property
    def end_ms(self) -> int:
        return _hhmm_ms(self.end)


def _hhmm_ms(value: str) -> int:
    hours, minutes = value.split(":")
    return (int(hours) * 60 + int(minutes)) * 60_000


class MarketMaker(_Model):
    name: str = Field(min_length=1)
    venue: str
    symbol: Symbol
    quoting: Quoting
    schedule: list[Window] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_overlap(self) -> "MarketMaker":
        ordered = sorted(self.schedule, key=lambda w: w.start_ms)
        for before, after in zip(ordered, ordered[1:]):
            if after.start_ms < before.end_ms:
                raise ValueError(f"windows {before.start}-{before.end} and {after.start}-{after.end} overlap")
        return self

    def window_at(self, ms_of_day: int) -> Window | None:
        """The behaviour window covering this millisecond of the UTC day, if any."""
        for window in self.schedule:
            if window.start_ms <= ms_of_day < window.end_ms:
                return window
        return None


class Obligation(_Model):
    """One row of spec §3 (plus alert_after_s)."""

    obligation_id: str = Field(min_length=1)
    mm_name: str
    exchange: str
    market_type: Literal["spot"] = "spot"
    symbol: Symbol
    valid_from: date
    valid_to: date | None = None
    max_spread_bps: float = Field(gt=0)
    depth_band_bps: float = Field(gt=0)
    min_depth_usd: float = Field(ge=0)
    min_uptime_pct: float = Field(ge=0, le=100)
    min_coverage_pct: float = Field(90.0, ge=0, le=100)
    min_days_pct: float = Field(75.0, ge=0, le=100)
    alert_after_s: int = Field(300, ge=0)

    def valid_on(self, day: date) -> bool:
        """True when `day` is inside [valid_from, valid_to)."""
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


class Scenario(_Model):
    seed: int
    date: date
    venues: dict[str, Venue] = Field(min_length=1)
    market_makers: list[MarketMaker] = Field(default_factory=list)
    obligations: list[Obligation] = Field(default_factory=list)

    @field_validator("venues")
    @classmethod
    def _known_venues(cls, venues: dict[str, Venue]) -> dict[str, Venue]:
        for venue_id in venues:
            if venue_id not in SUPPORTED_VENUES:
                raise ValueError(f"venue {venue_id!r} has no dialect (supported: {', '.join(SUPPORTED_VENUES)})")
        return venues

    @model_validator(mode="after")
    def _references(self) -> "Scenario":
        for kind, rows in (("market_makers", self.market_makers), ("obligations", self.obligations)):
            for index, row in enumerate(rows):
                venue = getattr(row, "venue", None) or getattr(row, "exchange", None)
                if self.find_market(venue, row.symbol) is None:
                    raise ValueError(f"{kind}[{index}]: market {venue}:{row.symbol!r} is not in venues")
        ids = [o.obligation_id for o in self.obligations]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"obligation_id {dupes[0]!r} is used twice")
        return self

    @property
    def day_start_ms(self) -> int:
        """Epoch ms of 00:00 UTC of the scenario's day."""
        return int(datetime(self.date.year, self.date.month, self.date.day, tzinfo=timezone.utc).timestamp() * 1000)

    def find_market(self, venue: str | None, symbol: str) -> Market | None:
        """The market config for (venue, symbol), or None."""
        venue_config = self.venues.get(venue or "")
        markets = venue_config.markets if venue_config is not None else []
        return next((market for market in markets if market.symbol == symbol), None)

    def makers_on(self, venue: str, symbol: str) -> list[MarketMaker]:
        """The market makers quoting (venue, symbol), in scenario order."""
        return [mm for mm in self.market_makers if mm.venue == venue and mm.symbol == symbol]

    def write_obligations_csv(self, path: str | Path) -> Path:
        """Write the obligations as CSV with the spec §3 header (+ alert_after_s); empty valid_to = NULL."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(OBLIGATION_COLUMNS)
            for row in self.obligations:
                values = row.model_dump()
                values["valid_to"] = "" if row.valid_to is None else row.valid_to.isoformat()
                values["valid_from"] = row.valid_from.isoformat()
                writer.writerow([values[column] for column in OBLIGATION_COLUMNS])
        return path


def _format_location(loc: tuple) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def _format_error(name: str, error: dict) -> str:
    where = _format_location(tuple(p for p in error["loc"] if not str(p).startswith("function-")))
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] not in ("value_error", "missing") and "input" in error:
        message = f"{error['input']!r}: {message}"
    return f"scenario {name}: {where or '(top level)'}: {message}"


def parse_scenario(data: object, name: str = "<memory>") -> Scenario:
    """Validate a scenario given as plain data (a dict from YAML)."""
    if not isinstance(data, dict):
        raise ConfigError(f"scenario {name}: expected a mapping at the top level, got {type(data).__name__}")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        lines = [_format_error(name, error) for error in exc.errors()]
        raise ConfigError("\n".join(lines) + "\nFix the scenario file and try again.") from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a YAML scenario file; ConfigError says which key and value are wrong."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"scenario file {path} does not exist: pass an existing YAML file (see scenarios/)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"scenario {path.name}: not valid YAML: {exc}") from None
    return parse_scenario(data, path.name)
