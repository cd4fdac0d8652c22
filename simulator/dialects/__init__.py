"""Venue dialects: one module per venue with `PREFIX` (URL path prefix) and `ROUTES`
(path below the prefix → handler(ctx: VenueContext, query: dict[str, str]) → Response)."""
from __future__ import annotations

from types import ModuleType

from simulator.dialects import binance

DIALECTS: dict[str, ModuleType] = {"binance": binance}
