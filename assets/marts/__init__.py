"""The dbt marts as Dagster assets (dbt-duckdb, staging -> intermediate -> marts)."""
