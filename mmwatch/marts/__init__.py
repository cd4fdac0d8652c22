"""Library side of the dbt marts: how one dbt invocation gets its day, obligations, target directory and parse state."""
