"""The embedded Dagster storage of a local instance: Dagster's own SQLite storage (the same files, tables
and migrations, so an instance moves between the two without losing its history), with one SQLAlchemy
engine per database file kept for the process instead of a new engine for every query.

Dagster's SQLite storages create an engine, use it for one statement or transaction and dispose of it.
SQLAlchemy caches a statement's compiled SQL on its engine, so every query paid its compilation again:
in a profile of a day's build, storing the run's events was a third of the run's time, most of it in
engine creation and SQL compilation. Connections are still opened per use (NullPool, as Dagster does),
so a cached engine holds no open file; a forked process (the run workers, pipelines/run_workers.py)
starts with an empty cache and a fresh lock.

Both storages here keep the automation's evaluation history bounded (pipelines/automation_history.py).
The SQLite one is written into dagster.yaml by pipelines/instance.py (`storage: custom:`); docker-compose's
instance uses the PostgreSQL one (dagster.yaml at the repository root), dagster-postgres' own storage
but for that history.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as db
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage, _event_logs_directory, _runs_directory, _schedule_directory,
)
from dagster._core.storage.config import pg_config
from dagster_postgres import DagsterPostgresStorage, PostgresScheduleStorage
from dagster_postgres.utils import get_token_provider_from_config, pg_url_from_config
from sqlalchemy.pool import NullPool

from pipelines.automation_history import BoundedEvaluations, HistoryRetention

STORAGE_MODULE, STORAGE_CLASS = __name__, "CachedEngineSqliteStorage"
MAX_ENGINES = 64  # a daemon touches the index and the newest runs' files; older runs' engines are dropped


class EngineCache:
    """The process's engines by connection string, least recently used dropped past `size`."""

    def __init__(self, size: int = MAX_ENGINES):
        self.size = size
        self.created = 0  # engines made so far (tests read it)
        self.reset()

    def reset(self) -> None:
        """Empty, with a new lock (a forked child must not inherit a lock another thread held)."""
        self._lock = threading.Lock()
        self._engines: OrderedDict[str, db.engine.Engine] = OrderedDict()

    def engine(self, conn_string: str, **connect_args) -> db.engine.Engine:
        with self._lock:
            found = self._engines.get(conn_string)
            if found is None:
                found = db.create_engine(conn_string, poolclass=NullPool, connect_args=connect_args)
                self._engines[conn_string] = found
                self.created += 1
                while len(self._engines) > self.size:
                    self._engines.popitem(last=False)
            else:
                self._engines.move_to_end(conn_string)
            return found


ENGINES = EngineCache()
os.register_at_fork(after_in_child=ENGINES.reset)


@contextmanager
def _transaction(engine: db.engine.Engine) -> Iterator[db.engine.Connection]:
    with engine.connect() as conn:
        with conn.begin():
            yield conn


class CachedEngineRunStorage(SqliteRunStorage):
    @contextmanager
    def connect(self) -> Iterator[db.engine.Connection]:
        with _transaction(ENGINES.engine(self._conn_string)) as conn:
            yield conn


class CachedEngineScheduleStorage(BoundedEvaluations, SqliteScheduleStorage):
    @contextmanager
    def connect(self) -> Iterator[db.engine.Connection]:
        with _transaction(ENGINES.engine(self._conn_string)) as conn:
            yield conn


class CachedEngineEventLogStorage(SqliteEventLogStorage):
    """A file per run plus the index, as Dagster's; each file's engine is cached."""

    @contextmanager
    def _connect(self, shard: str) -> Iterator[db.engine.Connection]:
        with self._db_lock:
            engine = ENGINES.engine(self.conn_string_for_shard(shard), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with _transaction(engine) as conn:
                yield conn


class CachedEngineSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage (`base_dir`: the instance's home) over the three storages above."""

    def __init__(self, base_dir: str, inst_data=None, automation_history: HistoryRetention = HistoryRetention()):
        self.base_dir = base_dir
        self._run_storage = CachedEngineRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = CachedEngineEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = CachedEngineScheduleStorage.from_local(_schedule_directory(base_dir))
        self._schedule_storage.bound_evaluations(automation_history)
        self._inst_data = inst_data
        super(DagsterSqliteStorage, self).__init__()

    @classmethod
    def config_type(cls):
        return {**super().config_type(), "automation_history": HistoryRetention.config_field()}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(config_value["base_dir"], inst_data,
                   HistoryRetention.from_config(config_value.get("automation_history")))


class BoundedHistoryPostgresScheduleStorage(BoundedEvaluations, PostgresScheduleStorage):
    pass


class BoundedHistoryPostgresStorage(DagsterPostgresStorage):
    """dagster-postgres' storage (the same config, tables and migrations), the automation history bounded."""

    def __init__(self, postgres_url: str, should_autocreate_tables: bool = True, inst_data=None,
                 token_provider=None, automation_history: HistoryRetention = HistoryRetention()):
        super().__init__(postgres_url, should_autocreate_tables, inst_data, token_provider)
        self._schedule_storage = BoundedHistoryPostgresScheduleStorage(
            postgres_url, should_autocreate_tables, token_provider=token_provider)
        self._schedule_storage.bound_evaluations(automation_history)

    @classmethod
    def config_type(cls):
        return {**pg_config(), "automation_history": HistoryRetention.config_field()}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(pg_url_from_config(config_value), config_value.get("should_autocreate_tables", True), inst_data,
                   get_token_provider_from_config(config_value),
                   HistoryRetention.from_config(config_value.get("automation_history")))
