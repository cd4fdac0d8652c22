"""mmwatch.warehouse_lock between real processes: one writer or many readers of warehouse.duckdb,
a waiting side told whom it waits for, re-entrant within a process, released when a holder dies."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from mmwatch.duckdb_files import FileBusy, read_warehouse
from mmwatch.warehouse_lock import WarehouseBusy, current_holder, held_here, lock_path, reading, writing

HOLD = """
import sys
from mmwatch.warehouse_lock import reading, writing
kind, warehouse = sys.argv[1], sys.argv[2]
if kind in ("duckdb", "build"):  # DuckDB's own lock only, or a build at work: the lock and the open file
    import contextlib
    import duckdb
    hold = contextlib.ExitStack()
    if kind == "build":
        hold.enter_context(writing(warehouse, "the build", "2026-11-20"))
    hold.enter_context(duckdb.connect(warehouse))
else:
    hold = writing(warehouse, "the build", "2026-11-20") if kind == "write" else reading(warehouse)
with hold:
    print("held", flush=True)
    sys.stdin.readline()
"""


class Holder:
    """A process holding the lock (`write` or `read`), only DuckDB's (`duckdb`) or both (`build`: dbt at
    work), until released or killed."""

    def __init__(self, kind: str, warehouse: Path):
        self.process = subprocess.Popen([sys.executable, "-c", HOLD, kind, str(warehouse)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
        assert self.process.stdout.readline().strip() == "held"

    def release(self) -> None:
        self.process.stdin.close()
        assert self.process.wait(timeout=30) == 0


@pytest.fixture
def warehouse(tmp_path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table fct_x as select 42 as answer")
    return path


def test_a_second_writer_refuses_naming_the_build_at_work(warehouse):
    build = Holder("write", warehouse)
    try:
        holder = current_holder(warehouse)
        assert (holder.what, holder.day, holder.pid) == ("the build", "2026-11-20", build.process.pid)
        with pytest.raises(WarehouseBusy) as refused:
            with writing(warehouse, "the build", "2026-11-21", wait=False):
                pass
        message = str(refused.value)
        assert f"the build of 2026-11-20 (pid {build.process.pid}, started " in message and "\n" not in message
        with pytest.raises(WarehouseBusy, match="being written by the build of 2026-11-20"):
            with reading(warehouse, wait_s=0.5):
                pass
    finally:
        build.release()
    assert current_holder(warehouse) is None  # a released lock names nobody


def test_a_waiting_writer_and_reader_go_on_when_the_build_ends(warehouse):
    build = Holder("write", warehouse)
    told: list[str] = []
    done: list[str] = []

    def wait_to_write():
        with writing(warehouse, "the build", "2026-11-21", on_wait=told.append):
            done.append("write")

    def wait_to_read():
        with read_warehouse(warehouse, on_wait=told.append) as con:
            done.append(f"read {con.execute('select answer from fct_x').fetchone()[0]}")

    threads = [threading.Thread(target=wait_to_write), threading.Thread(target=wait_to_read)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    assert done == [] and len(told) == 2  # both wait, each said once whom for
    assert all(f"the build of 2026-11-20 (pid {build.process.pid}" in line for line in told)
    build.release()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(done) == ["read 42", "write"]


def test_readers_share_and_keep_a_writer_out(warehouse):
    reader = Holder("read", warehouse)
    try:
        with read_warehouse(warehouse, wait_s=0) as con:  # a second reader at the same time
            assert con.execute("select answer from fct_x").fetchone() == (42,)
        with pytest.raises(WarehouseBusy, match="in use by readers of the warehouse"):
            with writing(warehouse, "the build", "2026-11-21", wait=False):
                pass
    finally:
        reader.release()
    with writing(warehouse, "the build", "2026-11-21", wait=False):
        pass


def test_the_lock_is_reentrant_in_the_process_that_holds_it(warehouse):
    with writing(warehouse, "the build", "2026-11-20", wait=False):
        assert held_here(warehouse)
        with writing(warehouse, "the dbt build", "2026-11-20", wait=False):  # the in-process Dagster run
            pass
        with reading(warehouse, wait_s=0):  # the report asset of the same run
            pass
        assert held_here(warehouse) and current_holder(warehouse).what == "the build"
    assert not held_here(warehouse)


def test_a_killed_holder_leaves_no_lock_behind(warehouse):
    build = Holder("write", warehouse)
    os.kill(build.process.pid, signal.SIGKILL)
    build.process.wait(timeout=30)
    with writing(warehouse, "the build", "2026-11-21", wait=False):
        assert current_holder(warehouse).pid == os.getpid()


def test_a_writer_outside_the_lock_is_a_message_after_a_bounded_retry(warehouse):
    by_hand = Holder("duckdb", warehouse)  # dbt run by hand: DuckDB's own lock only
    try:
        with pytest.raises(FileBusy, match="is held by another process"):
            with read_warehouse(warehouse, wait_s=0):
                pass
    finally:
        by_hand.release()


def test_a_dagster_run_writing_the_warehouse_waits_for_the_build(warehouse, monkeypatch):
    """The alerts_ledger asset (it writes the ledger into the warehouse) run by Dagster while a build
    in another process holds the warehouse: the run waits instead of failing on DuckDB's lock."""
    import dagster as dg

    from assets.alerts.ledger import alerts_ledger
    from resources.data_dir import DataDirResource
    from resources.smtp import SmtpResource

    monkeypatch.delenv("MMWATCH_ALERTS_CONFIG", raising=False)
    build = Holder("build", warehouse)
    outcome: list[bool] = []

    def run():
        result = dg.materialize([alerts_ledger], partition_key="2026-11-20", raise_on_error=False,
                                resources={"data_dir": DataDirResource(path=str(warehouse.parent)),
                                           "smtp": SmtpResource()})
        outcome.append(result.success)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(6.0)  # longer than a reader's bounded retry of DuckDB's own lock (2 s)
    waited = outcome == []
    build.release()
    thread.join(timeout=120)
    assert waited and outcome == [True]
    with duckdb.connect(str(warehouse), read_only=True) as con:  # the cycle wrote its ledger
        assert con.execute("select count(*) from information_schema.tables where table_schema = 'alerts'").fetchone()[0]
