"""dbt column descriptions and semantic types pushed into Metabase's metadata of `analytics`.

Done with the equivalent PUT /api/table/:id and PUT /api/field/:id calls rather than dbt-metabase's
export_models: that function always POSTs a schema sync and waits its 5 s poll period on every run
(so no run is write-free), and it looks tables up under the schema the manifest records (DuckDB's
`main`), while Metabase sees them in PostgreSQL schema `marts`. Only differing values are written.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

from mmwatch.alerts.ledger_schema import LEDGER_COLUMNS, LEDGER_TABLE
from mmwatch.metabase.client import MetabaseClient
from mmwatch.metabase.validate import MANIFEST

SYNC_WAIT_ENV = "MMWATCH_METABASE_SYNC_WAIT_S"
_CATEGORY = {"exchange", "symbol", "mm_name", "market_type", "verdict", "dataset", "rule", "route", "severity", "status",
             "kind", "base", "quote", "settle", "ended_by", "buy_exchange", "sell_exchange", "obligation_id"}


def semantic_type(column: str, meta: dict) -> str | None:
    """dbt `meta: {metabase.semantic_type: ...}` when set, else by name: categories and USD amounts."""
    declared = meta.get("metabase.semantic_type") or (meta.get("metabase") or {}).get("semantic_type")
    if declared:
        return declared
    if column in _CATEGORY:
        return "type/Category"
    if re.search(r"(^|_)usd(_|$)", column) and not column.endswith("_snapshots"):
        return "type/Currency"
    return None


def documented(manifest_path: Path = MANIFEST) -> dict[str, tuple[str | None, dict[str, tuple[str | None, str | None]]]]:
    """table -> (description, column -> (description, semantic type)) of every served table."""
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    tables = {}
    for node in manifest["nodes"].values():
        if node.get("resource_type") == "model" and node.get("fqn", [None, None])[1:2] == ["marts"]:
            columns = {name: (col.get("description") or None, semantic_type(name, col.get("meta") or {}))
                       for name, col in node.get("columns", {}).items()}
            tables[node["name"]] = (node.get("description") or None, columns)
    tables[LEDGER_TABLE] = ("Alert instances (spec §6), one row per opening.",
                            {name: (text, semantic_type(name, {})) for name, _, _, text in LEDGER_COLUMNS})
    return tables


def _metadata_tables(client: MetabaseClient, database_id: int) -> dict[str, dict]:
    metadata = client.get(f"/api/database/{database_id}/metadata")
    return {t["name"]: t for t in metadata.get("tables", []) if t.get("schema") == "marts"}


def push(client: MetabaseClient, database_id: int, dry_run: bool, env: dict[str, str]) -> Iterator[tuple[str, str, str, str]]:
    """(kind, name, action, detail) per table whose metadata is created/updated/unchanged."""
    wanted = documented()
    synced = _metadata_tables(client, database_id)
    deadline = time.monotonic() + float(env.get(SYNC_WAIT_ENV, "60"))
    while not synced and not dry_run and time.monotonic() < deadline:  # a new connection syncs in the background
        time.sleep(2)
        synced = _metadata_tables(client, database_id)
    if not synced:
        yield ("fields", "dbt descriptions", "skipped", "Metabase has not synced analytics.marts yet: run provision again later")
        return
    for table_name, (description, columns) in sorted(wanted.items()):
        table = synced.get(table_name)
        if table is None:
            yield ("fields", f"marts.{table_name}", "skipped", "not synced in Metabase yet")
            continue
        writes = []
        if (table.get("description") or None) != description:
            writes.append((f"/api/table/{table['id']}", {"description": description}))
        for field in table.get("fields", []):
            if field.get("name") not in columns:
                continue
            text, semantic = columns[field["name"]]
            body = {}
            if (field.get("description") or None) != text:
                body["description"] = text
            if semantic and field.get("semantic_type") != semantic:
                body["semantic_type"] = semantic
            if body:
                writes.append((f"/api/field/{field['id']}", body))
        if not dry_run:
            for path, body in writes:
                client.request("PUT", path, body)
        yield ("fields", f"marts.{table_name}", "update" if writes else "unchanged", f"{len(writes)} PUTs" if writes else "")
