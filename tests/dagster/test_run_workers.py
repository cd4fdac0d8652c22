"""Runs launched through the real code server (the webserver on workspace.yaml, as in `make dev`) are
forked from a forkserver that has the code location loaded (pipelines/run_workers.py), and succeed;
with MMWATCH_RUN_WORKERS=spawn they are Dagster's own fresh interpreters again. The process tree is
read from /proc: a Dagster upgrade that stops honouring the switch fails here."""
from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.webserver_process import IMMEDIATE_RUNS, launch_and_wait, webserver_on
from mmwatch.errors import ConfigError
from pipelines.run_workers import RUN_WORKERS_ENV, run_worker_method

JOB = "landing_retention_job"  # unpartitioned, no input: on an empty data directory it has nothing to drop

pytestmark = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="reads the process tree from /proc")


def _cmdlines() -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
    return found


def _parent(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def _descendants(root: int) -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process below root."""
    cmdlines, family, parents = _cmdlines(), {root}, {}
    grew = True
    while grew:
        grew = False
        for pid in cmdlines:
            try:
                if pid not in family and (parent := _parent(pid)) in family:
                    family.add(pid)
                    parents[pid] = parent
                    grew = True
            except (OSError, ValueError, IndexError):
                continue
    return {pid: (parents[pid], cmdlines[pid]) for pid in family - {root}}


def _forkservers(family: dict[int, tuple[int, str]]) -> list[str]:
    """The forkservers themselves: a run worker forked from one carries the same command line until it
    has exited, which can be a moment after its run reports SUCCESS, so only the one whose parent is
    not a forkserver counts."""
    def forked(line: str) -> bool:
        return "multiprocessing.forkserver" in line
    return [line for parent, line in family.values() if forked(line) and not forked(family.get(parent, (0, ""))[1])]


@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_runs_come_from_the_forkserver_unless_told_to_spawn(tmp_path, dbt_manifest, method):
    with webserver_on(tmp_path, {RUN_WORKERS_ENV: method}, IMMEDIATE_RUNS) as server:
        assert [launch_and_wait(server.url, JOB)["status"] for _ in range(2)] == ["SUCCESS", "SUCCESS"]
        family = _descendants(server.process.pid)
    forkservers = _forkservers(family)
    assert any("api grpc" in line or "code-server" in line for _, line in family.values()), family
    if method == "forkserver":  # one, kept for the next run, with the code location preloaded
        assert len(forkservers) == 1 and "pipelines.definitions" in forkservers[0], family
    else:
        assert forkservers == [], family


def test_the_switch_names_its_variable_and_values_on_a_mistake():
    assert run_worker_method({}) == "forkserver"
    assert run_worker_method({RUN_WORKERS_ENV: "spawn"}) == "spawn"
    with pytest.raises(ConfigError, match=r"MMWATCH_RUN_WORKERS='fork'.*forkserver, spawn"):
        run_worker_method({RUN_WORKERS_ENV: "fork"})
