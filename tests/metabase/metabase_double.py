"""A CONTRACT DOUBLE of Metabase's REST API (not Metabase): a real HTTP server on loopback that keeps
state in memory and checks the request shapes Metabase documents, answering 400 with Metabase's
{"errors": {field: message}} body when a required field is missing or malformed, 401 without a valid
x-api-key / X-Metabase-Session header.

Covered: GET /api/session/properties, POST /api/setup, POST /api/session, /api/database (+ /:id,
/:id/metadata, /:id/sync_schema), /api/collection, /api/card, /api/dashboard (+ PUT with dashcards),
PUT /api/table/:id, PUT /api/field/:id. `tables` (name -> columns) is what a sync of the analytics
connection finds in schema `marts`; it appears as soon as the database is added.
"""
from __future__ import annotations

import copy
import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TAG_TYPES = {"text", "number", "date", "dimension", "card", "snippet"}


class Rejected(Exception):
    def __init__(self, status: int, body: Any):
        super().__init__(body)
        self.status, self.body = status, body


def _require(condition: bool, field: str, message: str) -> None:
    if not condition:
        raise Rejected(400, {"errors": {field: message}, "specific-errors": {field: [message]}})


def _non_blank(body: dict, field: str) -> None:
    _require(isinstance(body.get(field), str) and body[field].strip() != "", field, "value must be a non-blank string.")


def _map(body: dict, field: str) -> None:
    _require(isinstance(body.get(field), dict), field, "Value must be a map.")


class MetabaseState:
    """Everything the double stores; `writes` lists each content-changing request (method, path)."""

    def __init__(self, tables: dict[str, list[str]], api_key: str | None = None):
        self.setup_token: str | None = secrets.token_hex(8)
        self.users: dict[str, str] = {}
        self.sessions: set[str] = set()
        self.api_keys = {api_key} if api_key else set()
        self.objects: dict[str, dict[int, dict]] = {"database": {}, "collection": {}, "card": {}, "dashboard": {}}
        self.synced_tables = tables
        self.metadata: dict[int, list[dict]] = {}
        self.next_id = 1
        self.writes: list[tuple[str, str]] = []
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


def _check_card(body: dict, state: MetabaseState, creating: bool) -> None:
    if creating or "name" in body:
        _non_blank(body, "name")
    if creating or "display" in body:
        _non_blank(body, "display")
    if creating or "visualization_settings" in body:
        _map(body, "visualization_settings")
    if creating or "dataset_query" in body:
        _map(body, "dataset_query")
        query = body["dataset_query"]
        _require(query.get("database") in state.objects["database"], "dataset_query", "database must be an existing database id")
        if query.get("type") == "native":
            native = query.get("native")
            _require(isinstance(native, dict) and isinstance(native.get("query"), str) and native["query"].strip() != "",
                     "dataset_query", "native query must be a non-blank string")
            tags = native.get("template-tags", {})
            _require(isinstance(tags, dict), "dataset_query", "template-tags must be a map")
            for key, tag in tags.items():
                ok = isinstance(tag, dict) and tag.get("name") == key and isinstance(tag.get("id"), str) \
                    and isinstance(tag.get("display-name"), str) and tag.get("type") in TAG_TYPES
                _require(ok, "dataset_query", f"template tag {key!r} needs id, name (= its key), display-name and a valid type")
                _require("{{" + key + "}}" in native["query"].replace(" ", ""), "dataset_query",
                         f"template tag {key!r} is not used in the query")
        else:
            _require(query.get("type") == "query", "dataset_query", "type must be native or query")
    if body.get("collection_id") is not None:
        _require(body["collection_id"] in state.objects["collection"], "collection_id", "value must be an existing collection id")


def _check_dashcards(body: dict, dashboard: dict, state: MetabaseState) -> list[dict]:
    parameters = {p["id"] for p in body.get("parameters", dashboard.get("parameters", []))}
    stored = {c["id"] for c in dashboard["dashcards"]}
    result = []
    _require(isinstance(body["dashcards"], list), "dashcards", "value must be an array of valid dashcards")
    for card in body["dashcards"]:
        for key, low in (("row", 0), ("col", 0), ("size_x", 1), ("size_y", 1)):
            _require(isinstance(card.get(key), int) and card[key] >= low, "dashcards", f"{key} must be an integer >= {low}")
        _require(isinstance(card.get("id"), int) and (card["id"] < 0 or card["id"] in stored), "dashcards",
                 "id must be an existing dashcard id or a negative id for a new one")
        _require(card.get("card_id") is None or card["card_id"] in state.objects["card"], "dashcards", "card_id must be an existing card")
        _require(card["col"] + card["size_x"] <= 24, "dashcards", "a dashcard must fit the 24-column grid")
        for mapping in card.get("parameter_mappings", []):
            _require(mapping.get("parameter_id") in parameters and mapping.get("card_id") == card.get("card_id")
                     and isinstance(mapping.get("target"), list), "dashcards",
                     "parameter_mappings need a dashboard parameter_id, the dashcard's card_id and a target")
        saved = copy.deepcopy(card)
        saved["id"] = card["id"] if card["id"] > 0 else state.new_id()
        saved.setdefault("parameter_mappings", [])
        saved.setdefault("visualization_settings", {})
        result.append(saved)
    return result


class _Handler(BaseHTTPRequestHandler):
    state: MetabaseState

    def log_message(self, *args) -> None:  # quiet
        pass

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = self.path.split("?")[0].rstrip("/")
        state = self.state
        with state.lock:
            state.requests.append((method, self.path))
            try:
                body = json.loads(raw) if raw else {}
                if method != "GET" and path != "/api/session":
                    state.writes.append((method, path))
                self._reply(200, self._route(method, path, body))
            except Rejected as rejected:
                self._reply(rejected.status, rejected.body)
            except json.JSONDecodeError:
                self._reply(400, {"message": "malformed JSON"})

    do_GET = lambda self: self._handle("GET")  # noqa: E731
    do_POST = lambda self: self._handle("POST")  # noqa: E731
    do_PUT = lambda self: self._handle("PUT")  # noqa: E731

    def _authorized(self) -> None:
        state = self.state
        if self.headers.get("x-api-key") in state.api_keys or self.headers.get("X-Metabase-Session") in state.sessions:
            return
        raise Rejected(401, "Unauthenticated")

    def _route(self, method: str, path: str, body: dict) -> Any:
        from metabase_routes import route

        return route(self, method, path, body)


def serve(tables: dict[str, list[str]], api_key: str | None = None) -> tuple[ThreadingHTTPServer, MetabaseState]:
    """Start the double on 127.0.0.1 (a free port) in a thread; returns (server, state)."""
    state = MetabaseState(tables, api_key)
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state


ID_PATH = re.compile(r"^/api/(database|collection|card|dashboard|table|field)/(\d+)(/metadata|/sync_schema)?$")
