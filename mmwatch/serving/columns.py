"""DuckDB columns as PostgreSQL columns: the type each becomes and how it leaves DuckDB as CSV."""
from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

# DuckDB type -> PostgreSQL type as format_type() prints it (compared against the published table)
_SCALAR_TYPES = {
    "VARCHAR": "text", "DOUBLE": "double precision", "FLOAT": "real", "BIGINT": "bigint",
    "INTEGER": "integer", "SMALLINT": "smallint", "TINYINT": "smallint", "UTINYINT": "smallint",
    "USMALLINT": "integer", "UINTEGER": "bigint", "UBIGINT": "numeric", "HUGEINT": "numeric",
    "UHUGEINT": "numeric", "BOOLEAN": "boolean", "DATE": "date", "TIME": "time without time zone",
    "TIMESTAMP": "timestamp without time zone", "TIMESTAMP_S": "timestamp without time zone",
    "TIMESTAMP_MS": "timestamp without time zone", "TIMESTAMP_NS": "timestamp without time zone",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone", "TIMESTAMPTZ": "timestamp with time zone", "INTERVAL": "interval", "UUID": "uuid",
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),(\d+)\)")


@dataclass(frozen=True)
class Column:
    """One column: its name, its PostgreSQL type and the DuckDB expression that exports it."""

    name: str
    pg_type: str
    export_sql: str


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def to_column(name: str, duckdb_type: str) -> Column:
    """The PostgreSQL column of a DuckDB column; lists, structs and maps travel as jsonb."""
    kind = duckdb_type.upper()
    decimal = _DECIMAL.fullmatch(kind)
    if kind in _SCALAR_TYPES:
        return Column(name, _SCALAR_TYPES[kind], _quote(name))
    if decimal:
        return Column(name, f"numeric({decimal[1]},{decimal[2]})", _quote(name))
    if kind == "BLOB":
        return Column(name, "text", f"hex({_quote(name)})")
    return Column(name, "jsonb", f"to_json({_quote(name)})::varchar")


def duckdb_columns(con: duckdb.DuckDBPyConnection, table: str, schema: str = "main") -> list[Column]:
    """The columns of `schema.table` in the warehouse, in order (empty when the table does not exist)."""
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [to_column(name, kind) for name, kind in rows]
