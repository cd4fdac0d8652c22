"""The collection config: which venues and markets to collect, how often.

```yaml
simulator_url: null          # when set, every venue's API hosts point at this simulator
exchanges:
  binance:
    markets: [BTC/USDT, ETH/USDT]
    orderbook_levels: 100      # default 100
    orderbook_every_s: 10      # default 10
    trades_every_s: 10         # default 10
```

Validated once at start (pydantic v2); every message names the key and the
bad value. Symbols are checked against the venue's markets after they load
(`check_symbols`), with the closest listed symbols suggested.
"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Iterable

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mmwatch.errors import ConfigError

# ccxt ids that mmwatch collects from; only binance has a simulator dialect so far.
SUPPORTED_EXCHANGES = ("binance", "binanceusdm", "bitget", "gate", "kucoin", "kucoinfutures", "okx", "bybit")


class ExchangeConfig(BaseModel):
    """What to collect from one venue."""

    model_config = ConfigDict(extra="forbid")

    markets: list[str] = Field(min_length=1)
    orderbook_levels: int = Field(default=100, ge=1, le=5000)
    orderbook_every_s: float = Field(default=10, gt=0, le=86_400)
    trades_every_s: float = Field(default=10, gt=0, le=86_400)

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


class CollectionConfig(BaseModel):
    """The whole collection config: the venues and an optional simulator URL."""

    model_config = ConfigDict(extra="forbid")

    simulator_url: str | None = None
    exchanges: dict[str, ExchangeConfig] = Field(min_length=1)

    @field_validator("exchanges")
    @classmethod
    def _supported_exchanges(cls, exchanges: dict[str, ExchangeConfig]) -> dict[str, ExchangeConfig]:
        unknown = [name for name in exchanges if name not in SUPPORTED_EXCHANGES]
        if unknown:
            raise ValueError(
                f"unknown exchange {', '.join(repr(u) for u in unknown)}; supported ids: {', '.join(SUPPORTED_EXCHANGES)}"
            )
        return exchanges

    @field_validator("simulator_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("http://", "https://")):
            raise ValueError(f"simulator_url must start with http:// or https://, got {url!r}")
        return url.rstrip("/") if url else url


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
        return CollectionConfig.model_validate(data)
    except ValidationError as exc:
        problems = "\n  ".join(_describe(e) for e in exc.errors())
        raise ConfigError(f"{origin}: invalid collection config:\n  {problems}") from None


def load_config(path: str | Path) -> CollectionConfig:
    """Read and validate a collection config file (YAML)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path} (pass --config with a YAML file such as config/example.yaml)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    return parse_config(data, origin=str(path))


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
