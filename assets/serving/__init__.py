"""Serving: the marts published into PostgreSQL `analytics` for Metabase."""
