"""Scenario building blocks shared by `simulator.scenario`: strict models, HH:MM windows, and the
per-asset, per-perpetual and per-venue settings (assets, perp, down windows, rate_limit)."""
from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

HHMM_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _hhmm_ms(value: str) -> int:
    hours, minutes = value.split(":")
    return (int(hours) * 60 + int(minutes)) * 60_000


class DailyWindow(_Model):
    """A window of the UTC day given as HH:MM, `start` inclusive, `end` exclusive (00:00 to 24:00)."""

    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not HHMM_RE.match(value):
            raise ValueError(f"{value!r} is not HH:MM (00:00 to 24:00)")
        return value

    def covers(self, ms_of_day: int) -> bool:
        """True when this millisecond of the UTC day is inside the window."""
        return _hhmm_ms(self.start) <= ms_of_day < _hhmm_ms(self.end)


class Asset(_Model):
    """A price path shared by every venue listing BASE/QUOTE (spot and perpetuals)."""

    start_price: float = Field(gt=0)
    volatility_bps: float = Field(1.0, ge=0, description="std-dev of log-price per sqrt(second), bps")


class Perp(_Model):
    """Perpetual swap parameters: funding per interval (mean ± seeded jitter), the mark's basis to
    the index in bps, open interest (base units, a daily wave of ±`oi_swing`) and long/short ratios."""

    funding_rate: float = Field(0.0001, ge=-0.03, le=0.03)
    funding_jitter: float = Field(0.00005, ge=0, le=0.03)
    funding_interval_hours: Literal[1, 2, 4, 8] = 8
    basis_bps: float = Field(3.0, ge=-500, le=500)
    open_interest: float = Field(1000.0, gt=0, description="mean open interest, base units")
    oi_swing: float = Field(0.1, ge=0, lt=1)
    long_short_ratio: float = Field(1.5, gt=0, description="global accounts, long/short")
    top_long_short_ratio: float = Field(1.2, gt=0, description="top traders' positions, long/short")


class DownWindow(DailyWindow):
    """A daily window (UTC, end exclusive) in which every request to the venue answers `status`."""

    status: Literal[500, 502, 503, 504] = 503



class RateLimit(_Model):
    """The venue's request budget (see simulator.ratelimit): `scale` multiplies every limit."""

    enabled: bool = True
    scale: float = Field(1.0, gt=0)


class MarketEvent(DailyWindow):
    """A daily window (UTC, end exclusive) of a market-wide event: `price_jump` lifts the fair price
    by `move_pct` % (books and trades follow) until the window ends; `volume_burst` multiplies every
    trade's amount by `factor` (the trade count and ids stay as they are)."""

    kind: Literal["price_jump", "volume_burst"]
    move_pct: float = Field(0.0, gt=-90, le=1000)
    factor: float = Field(1.0, gt=0, le=10_000)

