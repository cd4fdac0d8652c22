"""PostgreSQL plumbing of the serving layer: DSNs, the analytics database, the read-only role."""
from __future__ import annotations

import os

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from mmwatch.errors import ConfigError
from mmwatch.serving.outage import one_line, server_of

ANALYTICS_DB = "analytics"
MARTS_SCHEMA = "marts"
READER_ROLE = "metabase_reader"
READER_PASSWORD_ENV = "MMWATCH_METABASE_READER_PASSWORD"
# memory per sort/hash of the reader's queries: a card aggregating a day of minute rows (~300k)
# sorts in memory instead of spilling to disk (PostgreSQL's default is 4MB)
READER_WORK_MEM = "64MB"


ANALYTICS_DSN_ENV = "MMWATCH_ANALYTICS_DSN"
DSN_SHAPE = ("postgresql://USER:PASSWORD@HOST:5432/postgres, or key=value pairs "
             "(host=HOST port=5432 user=USER password=PASSWORD dbname=postgres)")


def check_dsn(dsn: str, variable: str = ANALYTICS_DSN_ENV) -> dict[str, str]:
    """The parameters of `dsn`; one ConfigError line naming `variable` and the expected shape when
    it is not a libpq connection string (psycopg's own message may quote the DSN, password and all:
    it is not repeated)."""
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        scheme = dsn.split("://", 1)[0] if "://" in dsn else None
        what = (f"scheme {scheme + '://'!r} is not postgresql://" if scheme and scheme not in ("postgresql", "postgres")
                else "it is neither a postgresql:// URL nor key=value pairs")
        raise ConfigError(f"{variable} is malformed: {what}; expected {DSN_SHAPE}") from None
    port = str(params.get("port") or "")
    if port and not all(part.strip().isdigit() for part in port.split(",")):
        raise ConfigError(f"{variable} is malformed: port {port!r} is not a number; expected {DSN_SHAPE}")
    return params


def with_database(dsn: str, dbname: str) -> str:
    """`dsn` pointed at database `dbname` (URL or key=value DSN)."""
    return make_conninfo(dsn, dbname=dbname)


def connect(dsn: str, **kwargs) -> psycopg.Connection:
    """A connection in UTC; a malformed DSN or a refused connection raises ConfigError naming the
    variable or the server and what to do."""
    check_dsn(dsn)
    try:
        return psycopg.connect(dsn, options="-c TimeZone=UTC", connect_timeout=10, **kwargs)
    except psycopg.OperationalError as error:
        where = server_of(dsn, conninfo_to_dict(dsn).get("dbname", ""))
        raise ConfigError(
            f"cannot connect to PostgreSQL at {where}: {one_line(error)}. Start PostgreSQL or set "
            f"MMWATCH_ANALYTICS_DSN to a reachable server (postgresql://user:password@host:5432/postgres)."
        ) from error


def ensure_database(dsn: str, dbname: str = ANALYTICS_DB) -> str:
    """Create database `dbname` when missing (connecting with `dsn`); returns the DSN of `dbname`."""
    check_dsn(dsn)
    with connect(dsn, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (dbname,)).fetchone()
        if not exists:
            try:
                conn.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))
            except psycopg.errors.DuplicateDatabase:
                pass  # created meanwhile by another publisher
    return with_database(dsn, dbname)


def ensure_schema_and_reader(conn: psycopg.Connection, schema: str = MARTS_SCHEMA) -> None:
    """Schema `schema` and the read-only role `metabase_reader` (LOGIN with the password from
    $MMWATCH_METABASE_READER_PASSWORD, NOLOGIN when unset, work_mem READER_WORK_MEM), allowed to
    read every table of it and to create nothing: no temporary table, nothing in schema public."""
    password = os.environ.get(READER_PASSWORD_ENV) or None
    role = sql.Identifier(READER_ROLE)
    dbname = conn.info.dbname
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('mmwatch.serving.reader'))")
        if not conn.execute("select 1 from pg_roles where rolname = %s", (READER_ROLE,)).fetchone():
            conn.execute(sql.SQL("create role {} nologin").format(role))
        if password:
            conn.execute(sql.SQL("alter role {} login password {}").format(role, sql.Literal(password)))
        else:
            conn.execute(sql.SQL("alter role {} nologin").format(role))
        conn.execute(sql.SQL("alter role {} set work_mem = {}").format(role, sql.Literal(READER_WORK_MEM)))
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("grant connect on database {} to {}").format(sql.Identifier(dbname), role))
        # read only means no objects of its own either: no temporary tables (PUBLIC may create them in
        # every database by default), nothing in schema public (open to PUBLIC before PostgreSQL 15)
        for grantee in (sql.SQL("public"), role):
            conn.execute(sql.SQL("revoke temporary on database {} from {}").format(sql.Identifier(dbname), grantee))
            conn.execute(sql.SQL("revoke create on schema public from {}").format(grantee))
        conn.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(schema), role))
        conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(sql.Identifier(schema), role))
        conn.execute(
            sql.SQL("alter default privileges in schema {} grant select on tables to {}").format(
                sql.Identifier(schema), role
            )
        )
