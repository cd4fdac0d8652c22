"""Provision Metabase from metabase/: the `analytics` connection, then every collection, card and
dashboard created or updated BY NAME (compared with what the server has, so a second run writes
nothing), then dbt column descriptions and semantic types (mmwatch.metabase.fields).

A dry run reads the server and prints the plan (create / update / unchanged per object) without
writing; on a new instance (setup due) it plans everything as `create`.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mmwatch.metabase import compare, fields
from mmwatch.metabase.client import MetabaseClient
from mmwatch.metabase.content import Content
from mmwatch.metabase.render import card_payload, dashboard_parameters, dashcards

DATABASE_NAME = "analytics"
DB_ENV = {"host": ("MMWATCH_ANALYTICS_HOST", "127.0.0.1"), "port": ("MMWATCH_ANALYTICS_PORT", "5432"),
          "dbname": ("MMWATCH_ANALYTICS_DB", "analytics"), "user": ("MMWATCH_ANALYTICS_USER", "metabase_reader")}
PASSWORD_ENV = "MMWATCH_METABASE_READER_PASSWORD"


@dataclass(frozen=True)
class Step:
    kind: str
    name: str
    action: str  # create | update | unchanged | skipped
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.action:<9} {self.kind:<10} {self.name}" + (f"  ({self.detail})" if self.detail else "")


def database_details(env: dict[str, str]) -> dict[str, Any]:
    details = {key: env.get(var, default) for key, (var, default) in DB_ENV.items()}
    details["port"] = int(details["port"])
    details.update({"password": env.get(PASSWORD_ENV, ""), "ssl": False})
    return details


def _listing(data: Any) -> list[dict]:
    return data.get("data", []) if isinstance(data, dict) else list(data or [])


class Provisioner:
    """One provisioning pass; `steps` is the plan (dry run) or what was done."""

    def __init__(self, client: MetabaseClient, content: Content, dry_run: bool = False,
                 env: dict[str, str] | None = None, report: Callable[[Step], None] = print):
        self.client, self.content, self.dry_run = client, content, dry_run
        self.env = dict(os.environ if env is None else env)
        self.report = report
        self.steps: list[Step] = []
        self._placeholder = 0
        self.fresh = False  # a dry run on an instance that still needs setup: nothing to read

    def _step(self, kind: str, name: str, action: str, detail: str = "") -> None:
        step = Step(kind, name, action, detail)
        self.steps.append(step)
        self.report(step)

    def _new_id(self) -> int:
        self._placeholder -= 1
        return self._placeholder

    def _upsert(self, kind: str, name: str, found: dict | None, wanted: dict, path: str, same: Callable[[dict], bool]) -> int:
        """Create `wanted` at POST `path`, or PUT it to `path`/id when `found` differs; returns the id."""
        if found is None:
            self._step(kind, name, "create")
            return self._new_id() if self.dry_run else self.client.request("POST", path, wanted)["id"]
        if same(found):
            self._step(kind, name, "unchanged")
        else:
            self._step(kind, name, "update")
            if not self.dry_run:
                self.client.request("PUT", f"{path}/{found['id']}", wanted)
        return found["id"]

    def _existing(self, path: str) -> list[dict]:
        return [] if self.fresh else [o for o in _listing(self.client.get(path)) if not o.get("archived")]

    def run(self) -> list[Step]:
        how = self.client.authenticate(self.env, allow_setup=not self.dry_run)
        if how in ("setup", "needs-setup"):
            self._step("instance", "first-run setup", "create")
            self.fresh = how == "needs-setup"
        database_id = self._database()
        collection_ids = self._collections()
        card_ids = self._cards(database_id, collection_ids)
        self._dashboards(collection_ids, card_ids)
        if self.fresh or database_id < 0:
            self._step("fields", "dbt descriptions and semantic types", "create", "after Metabase syncs analytics")
        else:
            for step in fields.push(self.client, database_id, self.dry_run, self.env):
                self._step(*step)
        return self.steps

    def _database(self) -> int:
        wanted_details = database_details(self.env)
        found = next((d for d in self._existing("/api/database") if d.get("name") == DATABASE_NAME), None)
        wanted = {"name": DATABASE_NAME, "engine": "postgres", "details": wanted_details, "is_full_sync": True}
        return self._upsert("database", DATABASE_NAME, found, wanted, "/api/database",
                            lambda f: compare.same_database(f, wanted))

    def _collections(self) -> dict[str, int]:
        existing = [c for c in self._existing("/api/collection") if isinstance(c.get("id"), int) and not c.get("personal_owner_id")]
        ids: dict[str, int] = {}
        for collection in self.content.collections:  # parents are listed before children
            parent_id = ids.get(collection.parent) if collection.parent else None
            found = next((c for c in existing if c.get("name") == collection.name), None)
            wanted = {"name": collection.name, "description": collection.description or None, "parent_id": parent_id}
            ids[collection.name] = self._upsert("collection", collection.name, found, wanted, "/api/collection",
                                                lambda f: compare.same_collection(f, wanted))
        return ids

    def _cards(self, database_id: int, collection_ids: dict[str, int]) -> dict[str, int]:
        existing = self._existing("/api/card?f=all")
        ids: dict[str, int] = {}
        for card in self.content.cards:
            wanted = card_payload(card, self.content, database_id, collection_ids[card.collection])
            found = next((c for c in existing if c.get("name") == card.name), None)
            ids[card.name] = self._upsert("card", card.name, found, wanted, "/api/card",
                                          lambda f: compare.same_card(f, wanted))
        return ids

    def _dashboards(self, collection_ids: dict[str, int], card_ids: dict[str, int]) -> None:
        existing = self._existing("/api/dashboard")
        for dashboard in self.content.dashboards:
            parameters = dashboard_parameters(dashboard, self.content)
            cards = dashcards(dashboard, self.content, card_ids)
            head = {"name": dashboard.name, "description": dashboard.description or None,
                    "collection_id": collection_ids[dashboard.collection], "parameters": parameters}
            summary = next((d for d in existing if d.get("name") == dashboard.name), None)
            found = self.client.get(f"/api/dashboard/{summary['id']}") if summary else None
            if found is not None and compare.same_dashboard(found, head, cards):
                self._step("dashboard", dashboard.name, "unchanged")
                continue
            self._step("dashboard", dashboard.name, "update" if found else "create", f"{len(cards)} cards")
            if self.dry_run:
                continue
            dashboard_id = found["id"] if found else self.client.request("POST", "/api/dashboard", head)["id"]
            body = {**head, "dashcards": [{"id": -(i + 1), **c} for i, c in enumerate(cards)]}
            self.client.request("PUT", f"/api/dashboard/{dashboard_id}", body)
