"""PostgreSQL unreachable while the fault day's marts are published (publish_marts_job, the real
PostgreSQL behind a relay that the test cuts): the run fails with one line naming the server, nothing is
half published, and a later publish with the server back sends every table once."""
from __future__ import annotations

import dagster as dg
import duckdb
import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from fault_day import DAY
from mmwatch.ports import free_port
from pg_outage import CuttableRelay

pytestmark = pytest.mark.e2e


@pytest.fixture
def publish(fault_day_built, pg_dsn, throwaway_database, monkeypatch):
    """publish(dsn) runs publish_marts_job for the fault day into one throwaway database:
    (success, the step's error message or None, {table: (mode, rows_sent)})."""
    from pipelines.definitions import defs

    monkeypatch.setenv("MMWATCH_DATA_DIR", str(fault_day_built.data.root))
    database = throwaway_database()
    job = defs.resolve_job_def("publish_marts_job")

    def run(dsn: str):
        with dg.DagsterInstance.ephemeral() as instance:
            result = job.execute_in_process(
                instance=instance, partition_key=DAY, raise_on_error=False,
                run_config={"resources": {"analytics": {"config": {"dsn": dsn, "database": database}}}})
            if not result.success:
                return False, result.failure_data_for_node("published_marts").error.cause.message, {}
            return True, None, {m.asset_key.path[-1]: (m.metadata["mode"].value, m.metadata["rows_sent"].value)
                                for m in result.asset_materializations_for_node("published_marts")}

    run.database = database
    return run


def _published(pg_dsn: str, database: str, tables) -> dict[str, int]:
    """Rows of each of `tables` in marts (the partitioned facts: every partition), absent ones left out."""
    with psycopg.connect(make_conninfo(pg_dsn, dbname=database)) as pg:
        return {t: pg.execute(sql.SQL("select count(*) from {}").format(sql.Identifier("marts", t))).fetchone()[0]
                for t in tables if pg.execute("select to_regclass(%s)", (f"marts.{t}",)).fetchone()[0]}


def _warehouse_rows(warehouse, tables) -> dict[str, int]:
    """Rows of each of `tables` in the warehouse (0 for one it lacks: the alert ledger, served empty)."""
    with duckdb.connect(str(warehouse), read_only=True) as duck:
        found = {name for (name,) in duck.execute("select table_name from information_schema.tables").fetchall()}
        return {t: duck.execute(f'select count(*) from "{t}"').fetchone()[0] if t in found else 0 for t in tables}


def test_a_closed_port_fails_the_run_in_one_line_then_everything_is_published_once(publish, pg_dsn, fault_day_built):
    port = free_port()  # nothing listens there
    ok, message, _ = publish(f"postgresql://postgres@127.0.0.1:{port}/postgres")
    assert not ok
    assert message.strip().count("\n") == 0, message
    assert f"cannot connect to PostgreSQL at 127.0.0.1:{port}/postgres" in message and "MMWATCH_ANALYTICS_DSN" in message
    ok, _, sent = publish(pg_dsn)  # the server is back
    assert ok and {mode for mode, _ in sent.values()} == {"swap"}
    published = _published(pg_dsn, publish.database, sent)
    assert published == _warehouse_rows(fault_day_built.data.warehouse, sent) and len(published) > 20
    assert published["fct_orderbook_snapshot_metrics"] == 677  # the fault day's usable books, once
    ok, _, again = publish(pg_dsn)  # nothing more to send (an empty day may be swapped again: 0 rows)
    assert ok and sum(rows for _, rows in again.values()) == 0, again
    assert _published(pg_dsn, publish.database, sent) == published


def test_the_server_lost_mid_publish_fails_in_one_line_and_nothing_is_half_published(publish, pg_dsn, monkeypatch,
                                                                                      fault_day_built):
    import mmwatch.serving.publish as publishing

    params = conninfo_to_dict(pg_dsn)
    relay = CuttableRelay(params.get("host") or "127.0.0.1", int(params.get("port") or 5432))
    done: list[str] = []
    publish_table = publishing.publish_table

    def cut_after_three(*args, **kwargs):  # only picks the instant: the cut is the relay's, on the wire
        published = publish_table(*args, **kwargs)
        done.append(published.table)
        if len(done) == 3:
            relay.cut()
        return published

    monkeypatch.setattr(publishing, "publish_table", cut_after_three)
    ok, message, _ = publish(make_conninfo(pg_dsn, host="127.0.0.1", port=str(relay.port)))
    monkeypatch.setattr(publishing, "publish_table", publish_table)
    assert not ok and relay.cut_done and len(done) == 3
    assert message.strip().count("\n") == 0, message
    assert message.startswith(f"mmwatch.serving.outage.PublishInterrupted: lost the connection to PostgreSQL at "
                              f"127.0.0.1:{relay.port}/{publish.database} while publishing: ")
    assert "publish again once the server answers" in message
    ok, _, sent = publish(pg_dsn)
    assert ok and _published(pg_dsn, publish.database, sent) == _warehouse_rows(fault_day_built.data.warehouse, sent)
    ok, _, again = publish(pg_dsn)
    assert ok and sum(rows for _, rows in again.values()) == 0, again
