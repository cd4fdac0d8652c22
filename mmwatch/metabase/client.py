"""A small Metabase REST client (requests): authentication and errors a user can act on.

Authentication, in order: $MMWATCH_METABASE_API_KEY (header x-api-key); on a new instance (GET
/api/session/properties has a setup-token and no user yet) first-run setup (POST /api/setup) with
$MMWATCH_METABASE_ADMIN_EMAIL / $MMWATCH_METABASE_ADMIN_PASSWORD; else a session for that account.
"""
from __future__ import annotations

import os
from typing import Any

import requests

from mmwatch.errors import MmwatchError

API_KEY_ENV = "MMWATCH_METABASE_API_KEY"
ADMIN_EMAIL_ENV = "MMWATCH_METABASE_ADMIN_EMAIL"
ADMIN_PASSWORD_ENV = "MMWATCH_METABASE_ADMIN_PASSWORD"
SITE_NAME = "mmwatch"


class MetabaseError(MmwatchError):
    """Metabase is unreachable, refused the credentials or rejected a request."""


class MetabaseClient:
    """JSON over HTTP to one Metabase; `writes` lists every request sent that changes content
    (method, path): everything but GET and signing in."""

    def __init__(self, url: str, timeout: float = 30.0):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.writes: list[tuple[str, str]] = []

    def request(self, method: str, path: str, body: Any = None, auth: bool = True) -> Any:
        try:
            response = self.session.request(method, self.url + path, json=body, timeout=self.timeout,
                                            headers=None if auth else {"x-api-key": ""})
        except requests.RequestException as error:
            raise MetabaseError(f"cannot reach Metabase at {self.url} ({type(error).__name__}): check --url and "
                                f"that Metabase is up (docker compose ps metabase)") from error
        if method != "GET" and path != "/api/session":  # signing in changes no content
            self.writes.append((method, path))
        if response.status_code in (401, 403):
            raise MetabaseError(
                f"Metabase at {self.url} refused the credentials ({response.status_code} on {method} {path}): set "
                f"{API_KEY_ENV} to a valid API key (Admin settings > Authentication > API keys) or "
                f"{ADMIN_EMAIL_ENV}/{ADMIN_PASSWORD_ENV} to an admin account")
        if response.status_code >= 400:
            raise MetabaseError(f"Metabase rejected {method} {path} ({response.status_code}): {response.text[:500]}")
        return response.json() if response.content else None

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def needs_setup(self) -> bool:
        """True on a new instance (setup-token present and no admin yet)."""
        props = self.request("GET", "/api/session/properties", auth=False) or {}
        return bool(props.get("setup-token")) and not props.get("has-user-setup", False)

    def authenticate(self, env: dict[str, str] | None = None, allow_setup: bool = True) -> str:
        """Sign in; returns how (`api-key`, `setup`, `session`), or `needs-setup` when setup is due
        but not allowed (dry run)."""
        env = dict(os.environ if env is None else env)
        if env.get(API_KEY_ENV):
            self.session.headers["x-api-key"] = env[API_KEY_ENV]
            return "api-key"
        email, password = env.get(ADMIN_EMAIL_ENV), env.get(ADMIN_PASSWORD_ENV)
        if not (email and password):
            raise MetabaseError(f"no Metabase credentials: set {API_KEY_ENV}, or {ADMIN_EMAIL_ENV} and "
                                f"{ADMIN_PASSWORD_ENV} (used for first-run setup on a new instance)")
        if self.needs_setup():
            if not allow_setup:
                return "needs-setup"
            token = self.request("GET", "/api/session/properties", auth=False)["setup-token"]
            created = self.request("POST", "/api/setup", {
                "token": token,
                "user": {"email": email, "password": password, "first_name": "mmwatch", "last_name": "admin",
                         "site_name": SITE_NAME},
                "prefs": {"site_name": SITE_NAME, "allow_tracking": False},
            }, auth=False)
            self.session.headers["X-Metabase-Session"] = created["id"]
            return "setup"
        created = self.request("POST", "/api/session", {"username": email, "password": password}, auth=False)
        self.session.headers["X-Metabase-Session"] = created["id"]
        return "session"
