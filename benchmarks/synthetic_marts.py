"""Synthetic mart rows generated inside PostgreSQL (generate_series), for the card benchmark.

The tables themselves are the publisher's (created by publishing a real warehouse: same columns,
types, day partitions and indexes); this module only writes rows into them. Every row is bound to
m (market number: venue VENUES[m % 8], base S<m / 8>, a perpetual when (m / 8) % 4 = 3), i (minute
of the day), k (a small index: kind, data set, pair partner, month...) and d (the day). Columns
the cards read get plausible values by name; any other column gets a value of its type, so rows
are as wide as the real ones.
"""
from __future__ import annotations

VENUES = ("binance", "bybit", "okx", "gate", "kucoin", "bitget", "binanceusdm", "kucoinfutures")
_VENUE = "(array[" + ", ".join(f"'{v}'" for v in VENUES) + "])"
_PERP = "((m / 8) % 4 = 3)"
_MARKETS = {"all": "true", "spot": f"not {_PERP}", "perp": _PERP, "base": "m % 8 = 0"}
_TIMES = {"minute": "generate_series(0, 1439)", "5min": "generate_series(0, 1435, 5)", "day": "generate_series(0, 0)"}

# mart -> (markets, times of the day, values of k, extra condition): the rows of one day
GRAINS: dict[str, tuple[str, str, int, str]] = {
    "fct_liquidity_minute": ("spot", "minute", 1, ""),
    "fct_trades_minute": ("spot", "minute", 1, ""),
    "fct_perp_basis_minute": ("perp", "minute", 1, ""),
    "fct_cross_venue_minute": ("base", "minute", 1, ""),
    "fct_arbitrage_opportunities": ("base", "minute", 1, "(i + m) % 4 = 0"),
    "fct_open_interest": ("perp", "5min", 1, ""),
    "fct_long_short_ratio": ("perp", "5min", 2, ""),
    "fct_return_correlation_daily": ("spot", "day", 25, "k > m / 8 and k % 4 <> 3"),
    "fct_mm_compliance_daily": ("all", "day", 1, ""),
    "fct_mm_breach_episodes": ("all", "day", 3, ""),
    "fct_liquidity_daily": ("spot", "day", 1, ""),
    "fct_trade_flow_daily": ("spot", "day", 1, ""),
    "fct_market_risk_daily": ("spot", "day", 1, ""),
    "fct_data_coverage_daily": ("spot", "day", 3, ""),
    # tables published whole (not by day): written once, over every day where they have a day
    "alert_ledger": ("all", "day", 1, "(m + dd) % 10 = 0"),
    "dim_obligations": ("all", "day", 1, "dd = 0"),
    "dim_markets": ("all", "day", 1, "dd = 0"),
    "fct_mm_compliance_monthly": ("all", "day", 3, "dd = 0"),
}

_MS = "((extract(epoch from d::timestamp) * 1000)::bigint + i * 60000 + k * 1000)"
_OPENED = "((d + i * interval '1 minute') at time zone 'UTC')"
_TEXT = {
    "exchange": f"{_VENUE}[m % 8 + 1]", "buy_exchange": f"{_VENUE}[m % 8 + 1]",
    "sell_exchange": f"{_VENUE}[(m + 1 + i) % 8 + 1]",
    "symbol": f"'S' || (m / 8) || '/USDT' || case when {_PERP} then ':USDT' else '' end",
    "symbol_a": "'S' || (m / 8) || '/USDT'", "symbol_b": "'S' || k || '/USDT'",
    "buy_symbol": "'S' || (m / 8) || '/USDT'", "sell_symbol": "'S' || (m / 8) || '/USDT'",
    "spot_symbol": "'S' || (m / 8) || '/USDT'", "base": "'S' || (m / 8)", "base_a": "'S' || (m / 8)",
    "base_b": "'S' || k", "quote": "'USDT'", "settle": "null",
    "market_type": f"case when {_PERP} then 'swap' else 'spot' end",
    "mm_name": "'MM ' || (m % 10)", "obligation_id": "'ob-' || m",
    "verdict": "(array['pass', 'pass', 'fail', 'insufficient_data'])[(m + k + extract(doy from d)::int) % 4 + 1]",
    "kind": "(array['accounts', 'top_positions'])[k % 2 + 1]",
    "dataset": "(array['orderbooks', 'trades', 'fetch_errors'])[k % 3 + 1]",
    "rule": "(array['wide_spread', 'thin_book', 'obligation_breach', 'no_data'])[m % 4 + 1]",
    "route": "'market'", "severity": "case when m % 3 = 0 then 'critical' else 'warning' end",
    "status": "case when m % 7 = 0 then 'open' else 'closed' end", "ended_by": "'compliant_snapshot'",
    "period": "'5m'", "alert_id": "m || '@' || d || '+' || i",
}
_TIMESTAMPTZ = {
    "opened_at": _OPENED, "closed_at": f"case when m % 7 = 0 then null else {_OPENED} + interval '10 minutes' end",
}
_DATES = {"day": "d", "month": "(date_trunc('month', d) - k * interval '1 month')::date", "valid_from": "date '2025-01-01'",
          "valid_to": "null::date", "first_seen_day": "d", "last_seen_day": "d"}


def column_sql(name: str, pg_type: str) -> str:
    """The generated value of one column."""
    if pg_type == "text":
        return _TEXT.get(name, f"'{name}-' || m")
    if pg_type == "bigint" or pg_type == "integer":
        return _MS if name == "ts" or name.endswith("_ts") else "((m + i + k) % 97)"
    if pg_type.startswith("numeric"):
        return "((m + i + k) % 97)::numeric"
    if pg_type in ("double precision", "real"):
        return "(random() * 2 - 1)" if name == "return_correlation" else "(random() * 100)"
    if pg_type == "boolean":
        return "((m + i + k) % 2 = 0)"
    if pg_type == "date":
        return _DATES.get(name, "d")
    if pg_type == "timestamp without time zone":
        return "(d + i * interval '1 minute')"
    if pg_type == "timestamp with time zone":
        return _TIMESTAMPTZ.get(name, f"{_OPENED} + interval '5 minutes'")
    if pg_type == "jsonb":
        return """'["orderbooks", "trades"]'::jsonb"""
    raise ValueError(f"no generator for column {name} of type {pg_type}")


def rows_sql(mart: str, columns: list[tuple[str, str]], markets: int, days: str) -> str:
    """SELECT of the rows of `mart` for `days`: a SQL date expression or set binding d (and dd)."""
    market_set, times, ks, extra = GRAINS[mart]
    values = ", ".join(column_sql(name, pg_type) for name, pg_type in columns)
    condition = " and ".join(c for c in (_MARKETS[market_set], extra) if c)
    return (f"select {values} from {days}, generate_series(0, {markets} - 1) m, {_TIMES[times]} i, "
            f"generate_series(0, {ks} - 1) k where {condition}")
