"""Serving: the marts published into PostgreSQL `analytics` for Metabase."""
from assets.serving.published import published_marts

SERVING_ASSETS = [published_marts]
