"""The routes of the Metabase contract double (metabase_double.py): state changes and shape checks."""
from __future__ import annotations

import copy
import secrets
from typing import Any

from metabase_double import ID_PATH, Rejected, _check_card, _check_dashcards, _map, _non_blank, _require

REDACTED = "**MetabasePass**"


def _public_database(db: dict) -> dict:
    shown = copy.deepcopy(db)
    if "password" in shown["details"]:
        shown["details"]["password"] = REDACTED
    return shown


def _setup(handler, body: dict) -> dict:
    state = handler.state
    if state.setup_token is None:
        raise Rejected(403, "The /api/setup route can only be used to create the first user, however a user currently exists.")
    _require(body.get("token") == state.setup_token, "token", "Token does not match the setup token.")
    user = body.get("user") or {}
    _require(isinstance(user, dict), "user", "value must be a map.")
    _non_blank(user, "email")
    _require(isinstance(user.get("password"), str) and len(user["password"]) >= 8, "password",
             "password is too common or too short.")
    _non_blank(body.get("prefs") or {}, "site_name")
    state.users[user["email"]] = user["password"]
    state.setup_token = None
    session = secrets.token_hex(8)
    state.sessions.add(session)
    return {"id": session}


def _create(state, kind: str, body: dict) -> dict:
    obj = {**copy.deepcopy(body), "id": state.new_id(), "archived": False}
    if kind == "collection":
        parent = body.get("parent_id")
        _require(parent is None or parent in state.objects["collection"], "parent_id", "value must be an existing collection id")
        obj["location"] = "/" if parent is None else state.objects["collection"][parent]["location"] + f"{parent}/"
        obj.pop("parent_id", None)
    if kind == "dashboard":
        obj.setdefault("parameters", [])
        obj["dashcards"] = []
    if kind == "database":
        obj["details"] = dict(body["details"])
        state.metadata[obj["id"]] = [
            {"id": state.new_id(), "name": table, "schema": "marts", "description": None,
             "fields": [{"id": state.new_id(), "name": c, "description": None, "semantic_type": None} for c in columns]}
            for table, columns in sorted(state.synced_tables.items())]
    state.objects[kind][obj["id"]] = obj
    return obj


def _fields(state) -> dict[int, dict]:
    return {f["id"]: f for tables in state.metadata.values() for t in tables for f in t["fields"]}


def _tables(state) -> dict[int, dict]:
    return {t["id"]: t for tables in state.metadata.values() for t in tables}


def route(handler, method: str, path: str, body: dict) -> Any:
    state = handler.state
    if path == "/api/session/properties" and method == "GET":
        return {"setup-token": state.setup_token, "has-user-setup": state.setup_token is None, "version": {"tag": "double"}}
    if path == "/api/setup" and method == "POST":
        return _setup(handler, body)
    if path == "/api/session" and method == "POST":
        if state.users.get(body.get("username")) != body.get("password"):
            raise Rejected(401, {"errors": {"password": "did not match stored password"}})
        session = secrets.token_hex(8)
        state.sessions.add(session)
        return {"id": session}
    handler._authorized()
    collections = {"database": "database", "collection": "collection", "card": "card", "dashboard": "dashboard"}
    kind = path.removeprefix("/api/")
    if kind in collections:
        if method == "GET":
            found = [_public_database(o) if kind == "database" else copy.deepcopy(o) for o in state.objects[kind].values()]
            if kind == "collection":
                found.insert(0, {"id": "root", "name": "Our analytics", "location": None})
            return {"data": found, "total": len(found)} if kind == "database" else found
        if method == "POST":
            _non_blank(body, "name")
            if kind == "database":
                _non_blank(body, "engine")
                _map(body, "details")
            if kind == "card":
                _check_card(body, state, creating=True)
            if kind == "dashboard":
                _require(isinstance(body.get("parameters", []), list), "parameters", "value must be an array of valid parameters")
            return _create(state, kind, body)
    match = ID_PATH.match(path)
    if not match:
        raise Rejected(404, "API endpoint does not exist.")
    kind, ident, suffix = match.group(1), int(match.group(2)), match.group(3)
    if kind == "database" and suffix == "/metadata":
        return {"id": ident, "tables": copy.deepcopy(state.metadata.get(ident, []))}
    if kind == "database" and suffix == "/sync_schema":
        return {"status": "ok"}
    if kind in ("table", "field") and method == "PUT":
        target = (_tables if kind == "table" else _fields)(state).get(ident)
        if target is None:
            raise Rejected(404, "Not found.")
        semantic = body.get("semantic_type")
        _require(semantic is None or (isinstance(semantic, str) and semantic.startswith("type/")), "semantic_type",
                 "value must be a valid field semantic or relation type (keyword or string).")
        target.update({k: v for k, v in body.items() if k in ("description", "semantic_type", "display_name")})
        return copy.deepcopy(target)
    obj = state.objects.get(kind, {}).get(ident)
    if obj is None:
        raise Rejected(404, "Not found.")
    if method == "GET":
        return _public_database(obj) if kind == "database" else copy.deepcopy(obj)
    if method == "PUT":
        if kind == "card":
            _check_card(body, state, creating=False)
        if kind == "dashboard" and "dashcards" in body:
            obj["dashcards"] = _check_dashcards(body, obj, state)
        if kind == "collection" and "parent_id" in body:
            parent = body["parent_id"]
            obj["location"] = "/" if parent is None else state.objects["collection"][parent]["location"] + f"{parent}/"
        obj.update({k: copy.deepcopy(v) for k, v in body.items() if k not in ("dashcards", "parent_id", "id")})
        return _public_database(obj) if kind == "database" else copy.deepcopy(obj)
    raise Rejected(405, "Method not allowed.")
