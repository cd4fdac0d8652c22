"""Serving: the dbt marts published from warehouse.duckdb into PostgreSQL `analytics`."""
