"""Shared by the health tests: an alerts config that routes the data alerts to the loopback webhook,
landing rows built by hand around the wall clock (landing files carry wall-clock arrival stamps)."""
from __future__ import annotations

from datetime import datetime, timezone

from mmwatch.schemas import LANDING_FETCH_ERRORS, LANDING_ORDERBOOKS


def alerts_config(**overrides):
    """Data alerts (no data, freshness) and run failures to the webhook; market alerts nowhere."""
    from mmwatch.alerts.config import parse_alerts_config

    return parse_alerts_config({
        "channels": {"data-hook": {"type": "webhook", "url_env": "TEST_DATA_HOOK"}},
        "routes": [{"route": "data", "channels": ["data-hook"]}, {"rules": ["run_failure"], "channels": ["data-hook"]}],
        "delivery": {"attempts": 2, "backoff_s": 0.01, "backoff_max_s": 0.02, "timeout_s": 5},
        **overrides,
    }, "health-test")


def now_s() -> datetime:
    """The wall clock to the second (landing files carry wall-clock arrival stamps)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def book(exchange: str, symbol: str, at: datetime, bid: float = 100.0, ask: float = 100.1) -> dict:
    """A landing order book received at `at` (crossed when bid >= ask)."""
    market_type = "swap" if ":" in symbol else "spot"
    return {"exchange": exchange, "market_type": market_type, "symbol": symbol, "exchange_ts": ms(at) - 5,
            "received_ts": ms(at), "nonce": None, "bids": [{"price": bid, "amount": 1.0}],
            "asks": [{"price": ask, "amount": 1.0}], "source": "collector"}


def fetch_error(exchange: str, symbol: str, at: datetime, error_class: str = "ExchangeNotAvailable") -> dict:
    return {"exchange": exchange, "market_type": "spot", "symbol": symbol, "dataset": "orderbooks",
            "received_ts": ms(at), "error_class": error_class, "message": f"{exchange} GET depth 503 Service Unavailable"}


def land(data_dir, dataset: str, rows: list[dict]) -> None:
    """Write `rows` (one exchange, one day) as one landing file, as the collector would."""
    import polars as pl

    from mmwatch.landing.zone import write_landing

    schema = LANDING_ORDERBOOKS if dataset == "orderbooks" else LANDING_FETCH_ERRORS
    day = datetime.fromtimestamp(rows[0]["received_ts"] / 1000, timezone.utc).date().isoformat()
    write_landing(data_dir, dataset, day, rows[0]["exchange"], pl.DataFrame(rows, schema=schema), "collector")
