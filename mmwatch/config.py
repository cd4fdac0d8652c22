"""The collection config: which venues, markets and data sets to collect, how often.

```yaml
simulator_url: null          # when set, every venue's API hosts point at this simulator
simulator_ws_url: null       # and its WebSocket hosts (mode: stream) at this one (the simulator's 'streaming' line)
landing_flush_s: 60          # seconds per landing file (5, 10, 15, 20, 30 or 60; default one a minute)
processes: 1                 # collector processes, each with its own venues (mmwatch/collector/process_groups.py)
cadences:                    # seconds between fetches per data set (defaults: the issue's table)
  tickers: 60
  ohlcv: 3600
exchanges:
  kucoin:
    markets: [BTC/USDT, ETH/USDT]
    orderbook_levels: 100      # default 100; capped to what the venue allows (deeper with keys on KuCoin)
    orderbook_every_s: 10      # default: cadences.orderbooks
    trades_every_s: 10         # default: cadences.trades
    datasets: [orderbooks, trades, tickers]   # default: every data set the venue offers
    request_timeout_s: 10      # default 10; a request unanswered this long is a RequestTimeout fetch error
    credentials:               # optional; names of environment variables, never the keys themselves
      api_key_env: KUCOIN_API_KEY
      secret_env: KUCOIN_SECRET
      password_env: KUCOIN_PASSPHRASE
    simulator_url: null        # this venue only (e.g. a second simulator)
    simulator_ws_url: null     # this venue only
    mode: poll                 # poll (REST, the default) or stream (WebSocket, ccxt.pro; REST is the fallback)
    sample_every_ms: 1000      # stream: ms between samples of each maintained book (default 1000, at least 100)
    stall_after_s: 5           # stream: a book without an update this long is out of sync (resubscribed)
    fallback_after_s: 30       # stream: a venue with no book in sync this long is polled over REST meanwhile
    roll_over_after_s: 82800   # stream: a connection this old is replaced, make before break (default 23 h;
                               # below 24 h on the Binance family, which closes connections at 24 h)
```

Validated once at start (pydantic v2); every message names the key and the
bad value. Symbols are checked against the venue's markets after they load
(`check_symbols`), with the closest listed symbols suggested.
"""
from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Iterable, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mmwatch.errors import ConfigError
from mmwatch.venues import VENUES
from mmwatch.yaml_config import read_yaml

# The collection config the Dagster side reads (data-set schedules, heartbeat, freshness policies):
# $MMWATCH_CONFIG, else the live example of the repository.
CONFIG_ENV = "MMWATCH_CONFIG"
DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "config" / "example.yaml"

# ccxt ids that mmwatch collects from (every one has a simulator dialect).
SUPPORTED_EXCHANGES = VENUES

# Data set -> default seconds between fetches (the table). orderbooks and trades are the
# collector's; the others are Dagster assets on schedules (assets/datasets_*.py).
DEFAULT_CADENCES_S: dict[str, float] = {
    "orderbooks": 10, "trades": 10, "tickers": 60, "funding": 60, "open_interest": 300,
    "long_short_ratio": 300, "fund_flow": 900, "contract_stats": 300, "ohlcv": 3600,
}
DATASET_NAMES = tuple(DEFAULT_CADENCES_S)
COLLECTOR_DATASETS = ("orderbooks", "trades")
COLLECTION_MODES = ("poll", "stream")
MIN_SAMPLE_EVERY_MS = 100  # the fastest sampling of a streamed book (the venues push every 100 ms at best)
DEFAULT_ROLL_OVER_AFTER_S = 23 * 3600  # a streamed connection is replaced at this age (planned roll-over)
MAX_ROLL_OVER_AFTER_S = 7 * 86_400
# venues that close a WebSocket connection at this age (seconds): the roll-over must come first
CONNECTION_MAX_AGE_S = {"binance": 86_400, "binanceusdm": 86_400, "binancecoinm": 86_400}
# landing file windows that tile a minute (files never straddle two minutes)
LANDING_FLUSH_CHOICES_S = (5, 10, 15, 20, 30, 60)


def _http_url(url: str | None, key: str) -> str | None:
    if url is not None and not url.startswith(("http://", "https://")):
        raise ValueError(f"{key} must start with http:// or https://, got {url!r}")
    return url.rstrip("/") if url else url


def _ws_url(url: str | None, key: str) -> str | None:
    if url is not None and not url.startswith(("ws://", "wss://")):
        raise ValueError(f"{key} must start with ws:// or wss://, got {url!r}")
    return url.rstrip("/") if url else url


class Credentials(BaseModel):
    """Names of the environment variables that hold a venue's API key (only KuCoin's full book needs one)."""

    model_config = ConfigDict(extra="forbid")

    api_key_env: str
    secret_env: str
    password_env: Optional[str] = None

    def resolve(self, exchange_id: str) -> dict[str, str]:
        """ccxt credential fields read from the environment; ConfigError names a variable that is unset."""
        wanted = {"apiKey": self.api_key_env, "secret": self.secret_env, "password": self.password_env}
        missing = [name for name in wanted.values() if name and not os.environ.get(name)]
        if missing:
            raise ConfigError(f"exchanges.{exchange_id}.credentials: environment variable(s) {', '.join(missing)} "
                              f"not set; export them or remove the credentials block")
        return {field: os.environ[name] for field, name in wanted.items() if name}


class ExchangeConfig(BaseModel):
    """What to collect from one venue."""

    model_config = ConfigDict(extra="forbid")

    markets: list[str] = Field(min_length=1)
    orderbook_levels: int = Field(default=100, ge=1, le=5000)
    orderbook_every_s: Optional[float] = Field(default=None, gt=0, le=86_400)
    trades_every_s: Optional[float] = Field(default=None, gt=0, le=86_400)
    datasets: Optional[list[str]] = None
    credentials: Optional[Credentials] = None
    simulator_url: Optional[str] = None
    simulator_ws_url: Optional[str] = None
    request_timeout_s: float = Field(default=10, gt=0, le=300)
    mode: str = "poll"
    sample_every_ms: int = 1000
    stall_after_s: float = 5.0
    fallback_after_s: float = 30.0
    roll_over_after_s: float = DEFAULT_ROLL_OVER_AFTER_S

    @field_validator("mode")
    @classmethod
    def _known_mode(cls, mode: str) -> str:
        if mode not in COLLECTION_MODES:
            raise ValueError(f"mode must be one of {', '.join(COLLECTION_MODES)} (poll: REST, stream: WebSocket)")
        return mode

    @field_validator("sample_every_ms", mode="before")
    @classmethod
    def _sample_every(cls, ms: object) -> int:
        if isinstance(ms, bool) or not isinstance(ms, int) or not MIN_SAMPLE_EVERY_MS <= ms <= 3_600_000:
            raise ValueError(f"sample_every_ms must be whole milliseconds from {MIN_SAMPLE_EVERY_MS} to 3600000 "
                             "(how often each streamed book is sampled)")
        return ms

    @field_validator("stall_after_s", "fallback_after_s", mode="before")
    @classmethod
    def _stream_seconds(cls, seconds: object, info) -> float:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds <= 3600:
            raise ValueError(f"{info.field_name} must be seconds in (0, 3600]")
        return float(seconds)

    @field_validator("roll_over_after_s", mode="before")
    @classmethod
    def _roll_over_after(cls, seconds: object) -> float:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 1 <= seconds <= MAX_ROLL_OVER_AFTER_S:
            raise ValueError(f"roll_over_after_s must be seconds from 1 to {MAX_ROLL_OVER_AFTER_S} (the age at which a "
                             "streamed connection is replaced by a new one)")
        return float(seconds)

    @field_validator("markets")
    @classmethod
    def _unique_symbols(cls, markets: list[str]) -> list[str]:
        bad = [m for m in markets if not isinstance(m, str) or "/" not in m]
        if bad:
            raise ValueError(f"symbols must be ccxt unified symbols like BTC/USDT or BTC/USDT:USDT, got {bad}")
        duplicates = sorted({m for m in markets if markets.count(m) > 1})
        if duplicates:
            raise ValueError(f"symbols listed twice: {duplicates}")
        return markets

    @field_validator("datasets")
    @classmethod
    def _known_datasets(cls, datasets: list[str] | None) -> list[str] | None:
        unknown = [d for d in datasets or () if d not in DATASET_NAMES]
        if unknown:
            raise ValueError(f"unknown data set(s) {unknown}; known: {', '.join(DATASET_NAMES)}")
        return datasets

    @field_validator("simulator_url")
    @classmethod
    def _venue_url(cls, url: str | None) -> str | None:
        return _http_url(url, "simulator_url")

    @field_validator("simulator_ws_url")
    @classmethod
    def _venue_ws_url(cls, url: str | None) -> str | None:
        return _ws_url(url, "simulator_ws_url")

    @property
    def streams(self) -> bool:
        """True when this venue is collected over WebSocket (`mode: stream`)."""
        return self.mode == "stream"

    def wants(self, dataset: str) -> bool:
        """True when this venue's config asks for `dataset` (no `datasets` list: every data set)."""
        return self.datasets is None or dataset in self.datasets


class CollectionConfig(BaseModel):
    """The whole collection config: cadences, the venues and an optional simulator URL."""

    model_config = ConfigDict(extra="forbid")

    simulator_url: Optional[str] = None
    simulator_ws_url: Optional[str] = None
    cadences: dict[str, float] = Field(default_factory=dict)
    exchanges: dict[str, ExchangeConfig] = Field(min_length=1)
    # seconds of arrival per landing file (default: one file per exchange per minute); shorter
    # windows make data visible sooner (docs/freshness.md) at the cost of more, smaller files
    landing_flush_s: int = 60
    # collector processes: the venues are split between them by expected load (one event loop a core;
    # README 'Stream or poll'); each lands its own venues' files into the same landing zone
    processes: int = Field(default=1, ge=1, le=16)

    @field_validator("exchanges")
    @classmethod
    def _supported_exchanges(cls, exchanges: dict[str, ExchangeConfig]) -> dict[str, ExchangeConfig]:
        unknown = [name for name in exchanges if name not in SUPPORTED_EXCHANGES]
        if unknown:
            raise ValueError(
                f"unknown exchange {', '.join(repr(u) for u in unknown)}; supported ids: {', '.join(SUPPORTED_EXCHANGES)}"
            )
        return exchanges

    @field_validator("cadences")
    @classmethod
    def _known_cadences(cls, cadences: dict[str, float]) -> dict[str, float]:
        unknown = [d for d in cadences if d not in DATASET_NAMES]
        if unknown:
            raise ValueError(f"unknown data set(s) {unknown}; known: {', '.join(DATASET_NAMES)}")
        bad = {d: s for d, s in cadences.items() if not 0 < s <= 86_400}
        if bad:
            raise ValueError(f"cadences must be seconds in (0, 86400], got {bad}")
        return cadences

    @field_validator("simulator_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        return _http_url(url, "simulator_url")

    @field_validator("simulator_ws_url")
    @classmethod
    def _ws_url(cls, url: str | None) -> str | None:
        return _ws_url(url, "simulator_ws_url")

    @field_validator("landing_flush_s")
    @classmethod
    def _minute_divisor(cls, seconds: int) -> int:
        if seconds not in LANDING_FLUSH_CHOICES_S:
            raise ValueError(f"landing_flush_s must divide a minute: one of {', '.join(map(str, LANDING_FLUSH_CHOICES_S))}")
        return seconds

    @model_validator(mode="after")
    def _fill_cadences(self) -> "CollectionConfig":
        self.cadences = {**DEFAULT_CADENCES_S, **self.cadences}
        for venue in self.exchanges.values():
            venue.orderbook_every_s = venue.orderbook_every_s or self.cadences["orderbooks"]
            venue.trades_every_s = venue.trades_every_s or self.cadences["trades"]
        return self

    def cadence_s(self, dataset: str) -> float:
        """Seconds between fetches of `dataset` (config, else the default table)."""
        return self.cadences[dataset]

    def url_for(self, exchange_id: str) -> str | None:
        """The simulator URL a venue is pointed at (its own, else the global one; None = live)."""
        return self.exchanges[exchange_id].simulator_url or self.simulator_url


def _describe(error: dict) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] in ("missing", "extra_forbidden"):
        return f"{key}: {message}"
    return f"{key} = {error.get('input')!r}: {message}"


def parse_config(data: object, origin: str = "config") -> CollectionConfig:
    """Validate an already-parsed YAML document; raise ConfigError naming every bad key and value."""
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping with an 'exchanges' key, got {type(data).__name__}")
    try:
        config = CollectionConfig.model_validate(data)
    except ValidationError as exc:
        problems = "\n  ".join(_describe(e) for e in exc.errors())
        raise ConfigError(f"{origin}: invalid collection config:\n  {problems}") from None
    late = _late_roll_overs(config)
    if late:
        raise ConfigError(f"{origin}: invalid collection config:\n  " + "\n  ".join(late))
    return config


def _late_roll_overs(config: CollectionConfig) -> list[str]:
    """A roll-over set at or after the age at which the venue closes connections itself."""
    problems = []
    for exchange_id, venue in config.exchanges.items():
        limit = CONNECTION_MAX_AGE_S.get(exchange_id)
        if limit is not None and venue.roll_over_after_s >= limit:
            problems.append(f"exchanges.{exchange_id}.roll_over_after_s = {venue.roll_over_after_s:g}: {exchange_id} "
                            f"closes connections at {limit // 3600} h ({limit} s); roll_over_after_s must be below "
                            f"{limit} so the planned roll-over comes first")
    return problems


def load_config(path: str | Path) -> CollectionConfig:
    """Read and validate a collection config file (YAML)."""
    path = Path(path)
    missing = f"config file not found: {path} (pass --config with a YAML file such as config/example.yaml)"
    return parse_config(read_yaml(path, missing, str(path)), origin=str(path))


def check_symbols(exchange_id: str, wanted: Iterable[str], listed: Iterable[str]) -> None:
    """Raise ConfigError for every wanted symbol the venue does not list, naming the closest listed ones."""
    listed = list(listed)
    listed_set = set(listed)
    problems = []
    for symbol in wanted:
        if symbol in listed_set:
            continue
        close = difflib.get_close_matches(symbol, listed, n=3, cutoff=0.5)
        hint = f"closest listed: {', '.join(close)}" if close else "no similar symbol listed"
        problems.append(f"exchanges.{exchange_id}.markets: unknown symbol {symbol!r} ({hint})")
    if problems:
        raise ConfigError("\n".join(problems) + f"\nlist the symbols with: mmwatch markets --exchange {exchange_id}")
