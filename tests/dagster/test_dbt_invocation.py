"""The dbt invocation helpers: environment, per-run target directories, saved parse state."""
from __future__ import annotations

import os
from pathlib import Path

from mmwatch.marts.invocation import (APPEND_ENV, DAY_ENV, OBLIGATIONS_ENV, PARSE_STATE, dbt_env, environment,
                                   keep_parse_state, new_target_dir, prune_target_dirs, runs_dir)


def test_env_names_the_day_and_the_checked_obligations(tmp_path, monkeypatch):
    # which obligations file and its checked copy: tests/obligations/test_checked_copy.py
    monkeypatch.delenv(OBLIGATIONS_ENV, raising=False)
    env = dbt_env(tmp_path / "data", "2026-11-20", None)
    assert env[DAY_ENV] == "2026-11-20" and env["MMWATCH_DATA_DIR"] == str(tmp_path / "data")
    assert env[APPEND_ENV] == "" and dbt_env(tmp_path, "2026-11-20", None, append=True)[APPEND_ENV] == "1"
    copy = Path(env[OBLIGATIONS_ENV])  # the seed's checked copy in the data dir, absolute: dbt runs in dbt/
    assert copy.is_absolute() and copy.parent == tmp_path / "data" / "obligations" and copy.is_file()


def test_environment_restores_what_was_there(monkeypatch):
    monkeypatch.setenv("MMWATCH_TEST_KEPT", "before")
    monkeypatch.delenv("MMWATCH_TEST_NEW", raising=False)
    with environment({"MMWATCH_TEST_KEPT": "during", "MMWATCH_TEST_NEW": "x"}):
        assert os.environ["MMWATCH_TEST_KEPT"] == "during" and os.environ["MMWATCH_TEST_NEW"] == "x"
    assert os.environ["MMWATCH_TEST_KEPT"] == "before" and "MMWATCH_TEST_NEW" not in os.environ


def test_parse_state_goes_from_run_to_run(tmp_path):
    first = new_target_dir(tmp_path, "aaaaaaaa-run")
    assert not (first / PARSE_STATE).exists()  # nothing saved yet: dbt parses everything
    (first / PARSE_STATE).write_bytes(b"state of run 1")
    keep_parse_state(tmp_path, first)
    second = new_target_dir(tmp_path, "bbbbbbbb-run")
    assert (second / PARSE_STATE).read_bytes() == b"state of run 1"
    assert [p.name for p in (tmp_path / "dbt").iterdir() if p.name.startswith(".")] == []  # no temp left
    keep_parse_state(tmp_path, tmp_path / "dbt" / "runs" / "a-failed-start")  # dbt wrote none: kept as it was
    assert (tmp_path / "dbt" / PARSE_STATE).read_bytes() == b"state of run 1"


def test_prune_keeps_the_newest_run_directories(tmp_path):
    names = [f"20261122T0{minute:02d}000-run{minute}" for minute in range(12)]
    for name in names:
        (runs_dir(tmp_path) / name).mkdir(parents=True)
    deleted = prune_target_dirs(tmp_path, keep=10)
    assert sorted(p.name for p in deleted) == names[:2]
    assert sorted(p.name for p in runs_dir(tmp_path).iterdir()) == names[2:]


def test_the_dbt_resource_starts_one_dbt_process_per_command(tmp_path, monkeypatch):
    """dagster-dbt's stock resource runs `dbt --version` and builds an adapter in the run's process
    before each command (4-5 s of a marts run); ours answers the version from the installed dbt-core
    and builds no adapter, so a command is exactly one dbt process: the one asked for."""
    import subprocess

    from dagster_dbt.core import dbt_cli_invocation, resource as dbt_resource_module
    from packaging import version

    from resources.dbt import dbt_cli_resource, dbt_executable

    printed = subprocess.check_output([dbt_executable(), "--version"], text=True)
    resource = dbt_cli_resource()
    assert f"installed: {resource._cli_version}" in printed  # the version it skips asking is the one dbt prints
    started: list[list[str]] = []

    def recorded(real):
        def start(args, *rest, **kwargs):
            started.append([str(a) for a in args])
            return real(args, *rest, **kwargs)
        return start

    monkeypatch.setattr(dbt_cli_invocation.subprocess, "Popen", recorded(subprocess.Popen))
    monkeypatch.setattr(dbt_resource_module, "check_output", recorded(subprocess.check_output))
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(tmp_path))
    invocation = resource.cli(["ls", "--resource-type", "model", "--select", "stg_lake__funding", "--output", "name"],
                              target_path=tmp_path / "target")
    events = [e.raw_event["info"] for e in invocation.stream_raw_events()]
    names = [info["msg"] for info in events if info["name"] == "PrintEvent"]
    assert names == ["stg_lake__funding"]
    assert [args[1:2] for args in started] == [["ls"]] and invocation.adapter is None
    assert resource._cli_version >= version.parse("1.8")
