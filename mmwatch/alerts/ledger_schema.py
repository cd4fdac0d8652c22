"""The alert ledger's columns: the contract between the alert evaluator (writes it in the
warehouse, schema `alerts`), the publisher (serves it as analytics.marts.alert_ledger) and the
Metabase "alerts log" dashboard (reads it).

One row per alert instance: a key (rule, market, obligation) opens at most one open instance at a
time; when it closes and later fires again, a new row (new alert_id) opens.
"""
from __future__ import annotations

LEDGER_SCHEMA = "alerts"
LEDGER_TABLE = "alert_ledger"

# name, DuckDB type, PostgreSQL type, description
LEDGER_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("alert_id", "VARCHAR", "text", "Instance id: alert_key + '@' + opened_at (ISO, UTC)."),
    ("alert_key", "VARCHAR", "text", "rule|exchange|symbol|market_type|obligation_id (obligation empty for market rules)."),
    ("rule", "VARCHAR", "text", "Spec §6 rule: wide_spread, dual_spread, thin_book, imbalance, volume_spike, price_move, no_data, obligation_breach."),
    ("route", "VARCHAR", "text", "'market' (market/MM surveillance) or 'data' (data health, to data engineers; never an MM breach)."),
    ("day", "DATE", "date", "UTC day the instance opened on."),
    ("exchange", "VARCHAR", "text", "Venue id (ccxt)."),
    ("symbol", "VARCHAR", "text", "Unified market symbol."),
    ("market_type", "VARCHAR", "text", "spot or swap."),
    ("obligation_id", "VARCHAR", "text", "Obligation the alert is about (obligation rules), else NULL."),
    ("mm_name", "VARCHAR", "text", "Market maker of that obligation, else NULL."),
    ("severity", "VARCHAR", "text", "Current severity: warning or critical (highest reached while open)."),
    ("status", "VARCHAR", "text", "open or closed."),
    ("opened_at", "TIMESTAMPTZ", "timestamptz", "When the condition first held (the minute the rule fired)."),
    ("last_seen_at", "TIMESTAMPTZ", "timestamptz", "Last evaluation at which the condition still held."),
    ("closed_at", "TIMESTAMPTZ", "timestamptz", "When the condition cleared; NULL while open."),
    ("trigger_values", "VARCHAR", "text", "JSON object of the values that fired it (metric, threshold, window...)."),
    ("message", "VARCHAR", "text", "Human-readable summary sent to the channels."),
    ("notified_severity", "VARCHAR", "text", "Highest severity some routed channel has received; NULL until one has (delivery_pending shows channels still owed)."),
    ("last_notified_at", "TIMESTAMPTZ", "timestamptz", "Last successful notification (open, escalation or close)."),
    ("delivery_pending", "BOOLEAN", "boolean", "True while some routed channel has not yet received the latest event."),
)


def duckdb_ddl() -> str:
    """CREATE statements for the ledger in the warehouse (idempotent)."""
    columns = ",\n    ".join(f"{name} {duck}" for name, duck, _, _ in LEDGER_COLUMNS)
    return (f"CREATE SCHEMA IF NOT EXISTS {LEDGER_SCHEMA};\n"
            f"CREATE TABLE IF NOT EXISTS {LEDGER_SCHEMA}.{LEDGER_TABLE} (\n    {columns},\n    PRIMARY KEY (alert_id)\n);")
