"""The YAML scenario format: one simulated UTC day of venues, markets, market makers and obligations.

A scenario is data; `load_scenario(path)` validates it and raises `mmwatch.errors.ConfigError`
naming the file, the key path and the bad value, e.g.
`scenario demo.yaml: venues.binance.markets[2].symbol: 'ETHBTC' is not BASE/QUOTE`.

Behaviour windows ("HH:MM"-"HH:MM", UTC, end exclusive, "24:00" allowed) repeat every day;
outside every window a market maker quotes `normal`ly.

Several venues can quote the same asset: a market without `start_price` follows the shared path
of `assets[BASE/QUOTE]`, shifted per venue by `price_offset_bps` and delayed by `lag_s` (so
cross-venue dispersion and arbitrage appear); `asset: BASE/QUOTE` makes a market follow another
pair's path (an inverse BTC/USD:BTC on the BTC/USDT path). Perpetuals (`market_type: swap`, symbol
`BASE/QUOTE:SETTLE`) carry `perp` (funding, basis to the index, open interest, long/short) and a
`contract_size`, as the venue counts it: a linear perpetual (settled in the quote, BASE/QUOTE:QUOTE)
counts contracts of `contract_size` BASE units; an inverse one (settled in the base, BASE/QUOTE:BASE,
only on venues that list inverse contracts: binancecoinm) counts contracts of `contract_size` QUOTE
units (Binance COIN-M BTC/USD:BTC: 100 USD), so one contract is contract_size / price base units.
A venue's `down` windows make every request to it answer 5xx; `rate_limit` scales or switches off its
request budget.
"""
from __future__ import annotations

import csv
import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from mmwatch.obligations import CANONICAL_COLUMNS
from mmwatch.yaml_config import read_yaml, validate_mapping
from simulator.datasets import INVERSE_VENUES, VENUE_MARKET_TYPES, VENUES
from simulator.scenario_parts import Asset, DailyWindow, DownWindow, MarketEvent, Perp, RateLimit, _hhmm_ms, _Model

__all__ = ["Asset", "DownWindow", "Perp", "RateLimit", "Scenario", "load_scenario", "parse_scenario"]

SYMBOL_RE = re.compile(r"^[A-Z0-9]+/[A-Z0-9]+(:[A-Z0-9]+)?$")
DAY_MS = 86_400_000
SUPPORTED_VENUES = VENUES  # one dialect module per venue in simulator/dialects

Behaviour = Literal[
    "normal", "absent", "one_sided_bid", "one_sided_ask", "wide_spread", "thin_book",
    "crossed", "outage", "empty_body", "skewed",
]
# the obligations file's columns have one home: the loader every build reads it with
OBLIGATION_COLUMNS = CANONICAL_COLUMNS


def _check_symbol(value: str) -> str:
    if not SYMBOL_RE.match(value):
        raise ValueError(f"{value!r} is not BASE/QUOTE (or BASE/QUOTE:SETTLE for a perpetual)")
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
    """One market of a venue and how its price and background book behave. `start_price` and
    `volatility_bps` come from `assets[asset or BASE/QUOTE]` when left out; amounts are in the
    venue's units (contracts for perpetuals that count in contracts: `contract_size` base units
    each on a linear perpetual, `contract_size` quote units each on an inverse one)."""

    symbol: Symbol
    market_type: Literal["spot", "swap"] = "spot"
    asset: Symbol | None = Field(None, description="the assets entry whose path this market follows "
                                                   "(default: its own BASE/QUOTE)")
    start_price: float | None = Field(None, gt=0)
    volatility_bps: float | None = Field(None, ge=0, description="std-dev of log-price per sqrt(second), bps")
    tick_size: float = Field(gt=0)
    amount_step: float = Field(gt=0)
    contract_size: float = Field(1.0, gt=0, description="per contract: base units (linear), quote units "
                                                        "(inverse, settle = base); 1 for spot")
    background: Background
    trades_per_minute: int = Field(20, ge=0, le=6000)
    trade_size: float = Field(gt=0, description="typical trade amount, base units")
    large_trade_prob: float = Field(0.01, ge=0, le=1)
    perp: Perp | None = None
    events: list[MarketEvent] = Field(default_factory=list, description="price jumps and volume bursts")

    def price_factor(self, ms_of_day: int) -> float:
        """1 + the move of the price_jump event covering this millisecond of the day (1 when none)."""
        for event in self.events:
            if event.kind == "price_jump" and event.covers(ms_of_day):
                return 1 + event.move_pct / 100
        return 1.0

    def volume_factor(self, ms_of_day: int) -> float:
        """The factor of the volume_burst event covering this millisecond of the day (1 when none)."""
        for event in self.events:
            if event.kind == "volume_burst" and event.covers(ms_of_day):
                return event.factor
        return 1.0

    @model_validator(mode="after")
    def _type_matches_symbol(self) -> "Market":
        is_perp_symbol = ":" in self.symbol
        if self.market_type == "swap" and not is_perp_symbol:
            raise ValueError(f"a swap market needs a BASE/QUOTE:SETTLE symbol, got {self.symbol!r}")
        if self.market_type == "spot" and is_perp_symbol:
            raise ValueError(f"{self.symbol!r} is a perpetual symbol: set market_type: swap")
        if self.market_type == "spot" and (self.perp is not None or self.contract_size != 1.0):
            raise ValueError("perp and contract_size are for swap markets only")
        return self

    @property
    def pair(self) -> str:
        """BASE/QUOTE without the settle currency."""
        return self.symbol.split(":")[0]

    @property
    def path_pair(self) -> str:
        """The `assets` entry this market's price follows (its `asset`, else its own BASE/QUOTE)."""
        return self.asset or self.pair

    @property
    def inverse(self) -> bool:
        """True for an inverse perpetual: settled in its base currency (contract_size in quote units)."""
        return self.settle is not None and self.settle == self.base

    @property
    def base(self) -> str:
        return self.pair.split("/")[0]

    @property
    def quote(self) -> str:
        return self.pair.split("/")[1]

    @property
    def settle(self) -> str | None:
        return self.symbol.split(":")[1] if ":" in self.symbol else None

    @property
    def perp_or_default(self) -> Perp:
        """The perpetual parameters (defaults when the scenario gives none)."""
        return self.perp or Perp()


class Venue(_Model):
    markets: list[Market] = Field(min_length=1)
    price_offset_bps: float = Field(0.0, ge=-1000, le=1000, description="venue's premium over the asset path")
    lag_s: float = Field(0.0, ge=0, le=3600, description="venue's price follows the asset path this late")
    update_ms: int = Field(100, ge=10, le=60_000, description="the book changes (and streams push) every this many "
                                                            "ms on the wall clock: update id N is the book at N × update_ms")
    redraw_ms: int | None = Field(None, ge=10, le=3_600_000,
                                  description="streams' book: redrawn every this many ms (a multiple of update_ms), "
                                              "a few amounts in between (simulator.streams.updates); default: the "
                                              "smallest multiple of update_ms >= 1000")
    rate_limit: RateLimit = RateLimit()
    down: list[DownWindow] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_symbols(self) -> "Venue":
        seen = [m.symbol for m in self.markets]
        dupes = sorted({s for s in seen if seen.count(s) > 1})
        if dupes:
            raise ValueError(f"symbol {dupes[0]!r} is listed twice")
        return self

    @model_validator(mode="after")
    def _redraw_on_ticks(self) -> "Venue":
        if self.redraw_ms is not None and self.redraw_ms % self.update_ms:
            raise ValueError(f"redraw_ms {self.redraw_ms} is not a multiple of update_ms {self.update_ms}")
        return self

    def down_status(self, ms_of_day: int) -> int | None:
        """The 5xx status the venue answers at this millisecond of the day, or None when up."""
        return next((w.status for w in self.down if w.covers(ms_of_day)), None)


class Quoting(_Model):
    """Normal quoting: `spread_bps` touch to touch, `depth_usd` (quote currency) per side spread
    over `levels` levels between the touch and `band_bps` from the mid."""

    spread_bps: float = Field(gt=0)
    depth_usd: float = Field(gt=0)
    band_bps: float = Field(gt=0)
    levels: int = Field(5, ge=1, le=200)


class Window(DailyWindow):
    """A behaviour window over the UTC day, `start` inclusive, `end` exclusive."""

    behaviour: Behaviour
    spread_bps: float | None = Field(None, gt=0, description="wide_spread: the spread quoted")
    depth_fraction: float | None = Field(None, gt=0, le=1,
                                         description="thin_book: share of depth; skewed: share of the ask side")

    @model_validator(mode="after")
    def _params(self) -> "Window":
        if self.start_ms >= self.end_ms:
            raise ValueError(f"start {self.start!r} is not before end {self.end!r}")
        if self.behaviour == "wide_spread" and self.spread_bps is None:
            raise ValueError("wide_spread needs spread_bps")
        if self.behaviour == "thin_book" and self.depth_fraction is None:
            raise ValueError("thin_book needs depth_fraction")
        if self.behaviour == "skewed" and self.depth_fraction is None:
            raise ValueError("skewed needs depth_fraction (the share of the ask side quoted)")
        return self

    @property
    def start_ms(self) -> int:
        return _hhmm_ms(self.start)

    @property
    def end_ms(self) -> int:
        return _hhmm_ms(self.end)


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
    market_type: Literal["spot", "swap"] = "spot"
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
    assets: dict[str, Asset] = Field(default_factory=dict)
    venues: dict[str, Venue] = Field(min_length=1)
    market_makers: list[MarketMaker] = Field(default_factory=list)
    obligations: list[Obligation] = Field(default_factory=list)

    @field_validator("venues")
    @classmethod
    def _known_venues(cls, venues: dict[str, Venue]) -> dict[str, Venue]:
        for venue_id, venue in venues.items():
            if venue_id not in SUPPORTED_VENUES:
                raise ValueError(f"venue {venue_id!r} has no dialect (supported: {', '.join(SUPPORTED_VENUES)})")
            for index, market in enumerate(venue.markets):
                if market.market_type not in VENUE_MARKET_TYPES[venue_id]:
                    raise ValueError(f"{venue_id}.markets[{index}]: {venue_id} serves "
                                     f"{'/'.join(VENUE_MARKET_TYPES[venue_id])} markets, not {market.market_type}")
                if market.market_type == "swap" and market.inverse != (venue_id in INVERSE_VENUES):
                    raise ValueError(
                        f"{venue_id}.markets[{index}]: {market.symbol} is "
                        f"{'an inverse' if market.inverse else 'a linear'} perpetual but {venue_id} lists only "
                        f"{'inverse (BASE/QUOTE:BASE)' if venue_id in INVERSE_VENUES else 'linear (BASE/QUOTE:QUOTE)'}"
                        f" perpetuals; inverse perpetuals go on {', '.join(sorted(INVERSE_VENUES))}")
        return venues

    @model_validator(mode="after")
    def _prices(self) -> "Scenario":
        for venue_id, venue in self.venues.items():
            for index, market in enumerate(venue.markets):
                if market.start_price is None and market.path_pair not in self.assets:
                    raise ValueError(f"venues.{venue_id}.markets[{index}]: {market.symbol} has no start_price "
                                     f"and assets has no {market.path_pair!r}: add one of them")
        return self

    def price_params(self, market: Market) -> tuple[str, float, float]:
        """(path key, start price, volatility) of a market: its own path (keyed by venue) when it
        has a start_price, else the shared asset path (key '*')."""
        if market.start_price is not None:
            vol = market.volatility_bps if market.volatility_bps is not None else 1.0
            return "", market.start_price, vol
        asset = self.assets[market.path_pair]
        vol = market.volatility_bps if market.volatility_bps is not None else asset.volatility_bps
        return "*", asset.start_price, vol

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


def parse_scenario(data: object, name: str = "<memory>") -> Scenario:
    """Validate a scenario given as plain data (a dict from YAML)."""
    return validate_mapping(Scenario, data, f"scenario {name}", "\nFix the scenario file and try again.")


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a YAML scenario file; ConfigError says which key and value are wrong."""
    path = Path(path)
    data = read_yaml(path, f"scenario file {path} does not exist: pass an existing YAML file (see scenarios/)",
                     f"scenario {path.name}")
    return parse_scenario(data, path.name)
