"""One market-maker obligation (spec §3), as pydantic validates a row of the obligations file.

The columns, their order in the file mmwatch writes for dbt (CANONICAL_COLUMNS), which of them
the header must name (SPEC_COLUMNS) and the defaults of the optional cells live here and
nowhere else. Each validator's message says what is wrong and what to write instead; the loader
(mmwatch.obligations.loader) adds the file, line, column and value.
"""
from __future__ import annotations

import difflib
import math
import re
from datetime import date
from typing import Annotated, Optional

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationInfo, field_validator

from mmwatch.venues import MARKET_TYPES, VENUES

# spec §3's thirteen columns: the header must name every one of them (in any order)
SPEC_COLUMNS: tuple[str, ...] = (
    "obligation_id", "mm_name", "exchange", "market_type", "symbol", "valid_from", "valid_to",
    "max_spread_bps", "depth_band_bps", "min_depth_usd", "min_uptime_pct", "min_coverage_pct", "min_days_pct",
)
# the file mmwatch writes for dbt: spec §3 then the alert threshold of spec §6
CANONICAL_COLUMNS: tuple[str, ...] = (*SPEC_COLUMNS, "alert_after_s")
# cells that may be left empty, and the value an empty (or absent alert_after_s) cell takes
DEFAULTS: dict[str, float] = {"min_coverage_pct": 90.0, "min_days_pct": 75.0, "alert_after_s": 300.0}

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PART = r"[A-Za-z0-9._]+"
# the ccxt unified symbol of each market type
SYMBOL_SHAPES: dict[str, re.Pattern] = {
    "spot": re.compile(rf"^{_PART}/{_PART}$"),
    "swap": re.compile(rf"^{_PART}/{_PART}:{_PART}$"),
    "future": re.compile(rf"^{_PART}/{_PART}:{_PART}-[A-Za-z0-9-]+$"),
}
SHAPE_EXAMPLES = {"spot": "BASE/QUOTE, e.g. BTC/USDT", "swap": "BASE/QUOTE:SETTLE, e.g. BTC/USDT:USDT",
                  "future": "BASE/QUOTE:SETTLE-EXPIRY, e.g. BTC/USDT:USDT-251226"}


def symbol_shape(symbol: str) -> str | None:
    """The market type whose symbol shape `symbol` has (spot, swap, future), None for none."""
    return next((kind for kind, shape in SYMBOL_SHAPES.items() if shape.match(symbol)), None)


def _iso_day(value: object) -> object:
    # pydantic alone would also take a number of seconds since 1970 as a date
    if isinstance(value, str) and not _DAY.match(value):
        raise ValueError("is not a date: write it as YYYY-MM-DD, e.g. 2025-01-31")
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("is not a finite number: write a plain decimal number such as 25000 or 12.5")
    return value


def _positive(value: float) -> float:
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


def _percentage(value: float) -> float:
    if not 0 < value <= 100:
        raise ValueError("must be a percentage above 0 and at most 100: write e.g. 90 for 90 %")
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]
Threshold = Annotated[float, AfterValidator(_finite), AfterValidator(_positive)]
Percentage = Annotated[float, AfterValidator(_finite), AfterValidator(_percentage)]


class Obligation(BaseModel):
    """One obligation row with its defaults filled. Fields are validated in this order (symbol
    before market_type, valid_from before valid_to) because the later ones are checked against
    the earlier."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    obligation_id: str
    mm_name: str
    exchange: str
    symbol: str
    market_type: str
    valid_from: Day
    valid_to: Optional[Day] = None
    max_spread_bps: Threshold
    depth_band_bps: Threshold
    min_depth_usd: Threshold
    min_uptime_pct: Percentage
    min_coverage_pct: Percentage = DEFAULTS["min_coverage_pct"]
    min_days_pct: Percentage = DEFAULTS["min_days_pct"]
    alert_after_s: Threshold = DEFAULTS["alert_after_s"]

    @field_validator("exchange")
    @classmethod
    def _known_exchange(cls, value: str) -> str:
        if value not in VENUES:
            close = difflib.get_close_matches(value.lower(), VENUES, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}? " if close else ""
            raise ValueError(f"is not a venue mmwatch collects: {hint}write one of {', '.join(VENUES)} (ccxt ids)")
        return value

    @field_validator("symbol")
    @classmethod
    def _unified_symbol(cls, value: str) -> str:
        if symbol_shape(value) is None:
            raise ValueError("is not a ccxt unified symbol: write " + "; ".join(
                f"{example} for {kind}" for kind, example in SHAPE_EXAMPLES.items()))
        return value

    @field_validator("market_type")
    @classmethod
    def _type_of_symbol(cls, value: str, info: ValidationInfo) -> str:
        if value not in MARKET_TYPES:
            raise ValueError(f"is not a market type: write one of {', '.join(MARKET_TYPES)}")
        symbol = info.data.get("symbol")
        shape = symbol_shape(symbol) if symbol else None
        if shape is not None and shape != value:
            raise ValueError(f"does not match symbol '{symbol}', which is a {shape} symbol ({SHAPE_EXAMPLES[shape]}); "
                             f"a {value} symbol is {SHAPE_EXAMPLES[value]}: set market_type to {shape} or fix the symbol")
        return value

    @field_validator("valid_to")
    @classmethod
    def _after_valid_from(cls, value: date | None, info: ValidationInfo) -> date | None:
        valid_from = info.data.get("valid_from")
        if value is not None and valid_from is not None and value <= valid_from:
            raise ValueError(f"is not after valid_from {valid_from.isoformat()}: valid_to is the first day the "
                             "obligation no longer applies (exclusive); write a later day or leave it empty "
                             "(open-ended)")
        return value

    def overlaps(self, other: "Obligation") -> bool:
        """True when the two validities [valid_from, valid_to) share a day (None = open-ended)."""
        return ((other.valid_to is None or self.valid_from < other.valid_to)
                and (self.valid_to is None or other.valid_from < self.valid_to))

    @property
    def validity(self) -> str:
        return f"[{self.valid_from.isoformat()}, {self.valid_to.isoformat() if self.valid_to else 'open-ended'})"

    @property
    def market(self) -> tuple[str, str, str]:
        return (self.exchange, self.market_type, self.symbol)
