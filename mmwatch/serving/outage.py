"""PostgreSQL lost in the middle of a publish (server stopped, network gone), said in one line that
names the server, instead of psycopg's multi-line OperationalError."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.conninfo import conninfo_to_dict

from mmwatch.errors import MmwatchError


class PublishInterrupted(MmwatchError):
    """The connection to PostgreSQL was lost while publishing."""


def one_line(error: BaseException) -> str:
    """`error`'s message with its line breaks and tabs folded into single spaces."""
    return " ".join(str(error).split())


def server_of(dsn: str, database: str) -> str:
    """host:port/database of `dsn` (what a message may show: never the user or the password)."""
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return f"the server of MMWATCH_ANALYTICS_DSN (database {database})"
    return f"{params.get('host') or 'localhost'}:{params.get('port') or 5432}/{database}"


@contextmanager
def publishing_to(dsn: str, database: str) -> Iterator[None]:
    """Turn a connection lost while publishing into PublishInterrupted naming the server."""
    try:
        yield
    except psycopg.OperationalError as error:
        raise PublishInterrupted(
            f"lost the connection to PostgreSQL at {server_of(dsn, database)} while publishing: {one_line(error)}. "
            f"Nothing is half published (what was not committed is rolled back); publish again once the server "
            f"answers: parts already published are skipped") from error
