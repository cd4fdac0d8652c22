"""Serving: the marts published into PostgreSQL `analytics` for Metabase."""
from assets.serving.published import published_alert_ledger, published_marts

SERVING_ASSETS = [published_marts, published_alert_ledger]
