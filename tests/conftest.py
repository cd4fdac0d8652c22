"""Fixtures shared by every test folder."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

REPO = Path(__file__).resolve().parents[1]
DBT_DIR = REPO / "dbt"
MANIFEST = DBT_DIR / "target" / "manifest.json"


def _dbt_sources_newer_than(manifest: Path) -> bool:
    built = manifest.stat().st_mtime
    sources = (p for p in DBT_DIR.rglob("*") if p.suffix in {".sql", ".yml", ".yaml", ".csv"}
               and "target" not in p.relative_to(DBT_DIR).parts)
    return any(p.stat().st_mtime > built for p in sources)


def _ensure_manifest() -> Path:
    """dbt/target/manifest.json, parsed now when missing or older than the dbt files
    (as `make manifest` does; nothing parses on import)."""
    if not MANIFEST.exists() or _dbt_sources_newer_than(MANIFEST):
        dbt = Path(sys.executable).parent / "dbt"
        subprocess.run(
            [str(dbt), "parse", "--quiet", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)],
            check=True, cwd=DBT_DIR,
        )
        MANIFEST.touch()
    return MANIFEST


def pytest_sessionstart(session) -> None:
    """Prepare the manifest before collection: test modules may import the Dagster definitions,
    which load the manifest at import time."""
    _ensure_manifest()


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """The dbt manifest the definitions load (prepared at session start)."""
    return _ensure_manifest()


@pytest.fixture
def data_dir(tmp_path):
    """A fresh data directory (its folders made) under the test's tmp_path."""
    from mmwatch.settings import DataDir

    return DataDir.from_env(tmp_path / "data").ensure()


@pytest.fixture
def instance():
    """An ephemeral Dagster instance."""
    import dagster as dg

    with dg.DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


DEFAULT_TEST_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def pg_dsn() -> str:
    """$MMWATCH_TEST_PG_DSN (default the local server): skipped when unreachable, failed under CI=true."""
    dsn = os.environ.get("MMWATCH_TEST_PG_DSN", DEFAULT_TEST_DSN)
    try:
        psycopg.connect(dsn, connect_timeout=5).close()
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL at {dsn} is unreachable ({str(error).strip()}); set MMWATCH_TEST_PG_DSN or start it"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return dsn


@pytest.fixture(scope="session")
def throwaway_database(pg_dsn) -> Iterator[Callable[[], str]]:
    """A factory of fresh database names on the test server; every one is dropped after the session."""
    created: list[str] = []

    def make() -> str:
        name = f"mmwatch_test_{secrets.token_hex(4)}"
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        created.append(name)
        return name

    yield make
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        for name in created:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
