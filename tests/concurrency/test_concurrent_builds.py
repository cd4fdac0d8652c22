"""Two `mmwatch build --date D` of one data directory at once, and readers while a build writes
(issue 15): the second build queues behind the first, saying whose build it waits for, and then
builds; with --no-wait it refuses in one line naming the build at work; `mmwatch report`,
`mmwatch alerts replay` and in-process readers during the build all read the day. Before, the
second build died in ~240 traceback lines of DuckDB's "Could not set lock on file" and read-only
opens failed while dbt held the file."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from books_capture import DAY, write_books_capture
from cli.app import app
from mmwatch.report.compliance import load_compliance_rows
from mmwatch.warehouse_lock import current_holder

pytestmark = pytest.mark.e2e
MMWATCH = str(Path(sys.executable).parent / "mmwatch")
REPO = Path(__file__).resolve().parents[2]
READERS = 8  # in-process readers, each reading the day over and over while the build runs


def _start(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([MMWATCH, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=REPO)


def _wait_for_holder(warehouse: Path, pid: int, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        holder = current_holder(warehouse)
        if holder is not None and holder.pid == pid:
            return
        time.sleep(0.05)
    raise AssertionError(f"build pid {pid} never held {warehouse} (holder: {current_holder(warehouse)})")


@pytest.fixture(scope="module")
def collided(tmp_path_factory, dbt_manifest):
    folder = tmp_path_factory.mktemp("collide")
    data = folder / "data"
    write_books_capture(folder / "books.jsonl")
    env = {**os.environ, "DAGSTER_HOME": str(data / "dagster_home"), "MMWATCH_ALERTS_CONFIG": ""}
    env.pop("MMWATCH_OBLIGATIONS_CSV", None)
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", env["DAGSTER_HOME"])
        patch.delenv("MMWATCH_OBLIGATIONS_CSV", raising=False)
        assert runner.invoke(app, ["import", str(folder / "books.jsonl"), "--data-dir", str(data)]).exit_code == 0
        first = runner.invoke(app, ["build", "--date", DAY, "--data-dir", str(data)])
        assert first.exit_code == 0, first.output
    warehouse = data / "warehouse.duckdb"
    expected = load_compliance_rows(warehouse, DAY)
    build = ["build", "--date", DAY, "--data-dir", str(data)]
    a = _start(*build, env=env)
    _wait_for_holder(warehouse, a.pid)
    b = _start(*build, env=env)
    refused = subprocess.run([MMWATCH, *build, "--no-wait"], capture_output=True, text=True, env=env, cwd=REPO,
                             timeout=300)
    readers = [_start("report", "--date", DAY, "--data-dir", str(data), env=env),
               _start("alerts", "replay", "--date", DAY, "--data-dir", str(data), env=env)]
    with ThreadPoolExecutor(READERS) as pool:
        reads = list(pool.map(lambda _: _read_until_done(warehouse, a), range(READERS)))
    outcomes = {name: (p.wait(timeout=600), *p.communicate()) for name, p in
                (("a", a), ("b", b), ("report", readers[0]), ("replay", readers[1]))}
    return dict(a_pid=a.pid, outcomes=outcomes, refused=refused, reads=reads, expected=expected,
                after=load_compliance_rows(warehouse, DAY))


def _read_until_done(warehouse: Path, build: subprocess.Popen) -> list:
    """The day's rows read again and again until the build ends (each read waits while dbt writes)."""
    seen = []
    while build.poll() is None:
        seen.append(load_compliance_rows(warehouse, DAY))
    return seen


def test_the_second_build_queues_behind_the_first_and_builds(collided):
    outcomes, a_pid = collided["outcomes"], collided["a_pid"]
    (a_code, _, a_err), (b_code, b_out, b_err) = outcomes["a"], outcomes["b"]
    assert (a_code, b_code) == (0, 0), (a_err, b_err)
    assert "Traceback" not in a_err + b_err
    waited = [line for line in b_err.splitlines() if line.startswith("waiting for")]
    assert len(waited) == 1 and f"the build of {DAY} (pid {a_pid}, started " in waited[0], b_err
    assert f"built {DAY} for binance" in b_out
    assert collided["after"] == collided["expected"]


def test_no_wait_refuses_in_one_line_naming_the_build_at_work(collided):
    refused, a_pid = collided["refused"], collided["a_pid"]
    assert refused.returncode == 2
    (line,) = [line for line in refused.stderr.splitlines() if line.strip()]
    assert line.startswith("error: ") and f"the build of {DAY} (pid {a_pid}, started " in line
    assert "--no-wait" in line and "Traceback" not in refused.stdout + refused.stderr


def test_readers_during_the_build_read_the_day(collided):
    outcomes, expected = collided["outcomes"], collided["expected"]
    for name in ("report", "replay"):
        code, out, err = outcomes[name]
        assert code == 0 and "Traceback" not in err, (name, out, err)
    assert "still open" in outcomes["replay"][1]
    assert len(expected) > 0
    reads = [rows for reader in collided["reads"] for rows in reader]
    assert len(reads) >= READERS and all(rows == expected for rows in reads)
