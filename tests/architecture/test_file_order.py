"""The suite's files are handed to the workers longest first (tests/file_order.py): the order itself,
the recorded seconds, and a real two-worker run that starts with the longest files."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import file_order

REPO = Path(__file__).resolve().parents[2]
PYTEST = Path(sys.executable).parent / "pytest"


def test_longest_first_puts_unrecorded_files_first_then_by_seconds_keeping_each_files_order():
    items = ["t/a.py::x", "t/b.py::x", "t/a.py::y", "t/new.py::x", "t/c.py::x", "t/c.py::y[1]"]
    seconds = {"t/a.py": 3.0, "t/b.py": 40.0, "t/c.py": 12.5, "t/gone.py": 99.0}

    ordered = file_order.longest_first(items, str, seconds)

    assert ordered == ["t/new.py::x", "t/b.py::x", "t/c.py::x", "t/c.py::y[1]", "t/a.py::x", "t/a.py::y"]


def test_equal_seconds_keep_the_collected_order():
    ordered = file_order.longest_first(["t/z.py::a", "t/y.py::a"], str, {"t/z.py": 5.0, "t/y.py": 5.0})
    assert ordered == ["t/z.py::a", "t/y.py::a"]


def test_seconds_per_file_add_every_phase_of_every_test_of_a_file():
    reports = [("t/a.py::x", 1.25), ("t/a.py::x", 0.5), ("t/b.py::x[p::q]", 4.0), ("t/a.py::y", 0.3)]
    assert file_order.seconds_per_file(reports) == {"t/b.py": 4.0, "t/a.py": 2.0}
    assert list(file_order.seconds_per_file(reports)) == ["t/b.py", "t/a.py"]


def test_a_malformed_seconds_file_is_named(tmp_path):
    broken = tmp_path / "file_seconds.json"
    broken.write_text('{"tests/a.py": "slow"}')
    with pytest.raises(ValueError, match=r"file_seconds\.json: expected an object of test file -> seconds"):
        file_order.load_seconds(broken)
    broken.write_text("{")
    with pytest.raises(ValueError, match=r"file_seconds\.json: not JSON"):
        file_order.load_seconds(broken)
    assert file_order.load_seconds(tmp_path / "missing.json") == {}


def test_the_recorded_seconds_name_test_files_of_this_repository():
    seconds = file_order.load_seconds()
    assert len(seconds) > 100, "tests/file_seconds.json records the whole suite"
    missing = [name for name in seconds if not (REPO / name).is_file()]
    assert not missing, f"tests/file_seconds.json names files that are gone: {missing}; record it again (tests/file_order.py)"


def test_two_workers_start_with_the_longest_recorded_files(tmp_path):
    """Four files of one quick test each; the seconds file says c and d are the long ones. With the
    order of `make test`, each worker's first file is c or d; xdist's own order would start a and b."""
    for name in "abcd":
        (tmp_path / f"test_{name}.py").write_text(textwrap.dedent(f"""
            import os
            def test_{name}():
                with open("started.log", "a") as log:
                    log.write(os.environ["PYTEST_XDIST_WORKER"] + " {name}\\n")
        """))
    (tmp_path / "file_seconds.json").write_text(json.dumps({"test_a.py": 1, "test_b.py": 2, "test_c.py": 30, "test_d.py": 20}))
    (tmp_path / "conftest.py").write_text(textwrap.dedent(f"""
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(REPO / "tests")!r})
        import file_order

        def pytest_collection_modifyitems(session, config, items):
            file_order.order_on_worker(config, items, Path(__file__).with_name("file_seconds.json"))
    """))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    run = subprocess.run([str(PYTEST), "-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "loadfile",
                          "--no-loadscope-reorder", "-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path),
                          str(tmp_path)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr

    first_per_worker: dict[str, str] = {}
    for line in (tmp_path / "started.log").read_text().splitlines():
        worker, name = line.split()
        first_per_worker.setdefault(worker, name)
    assert sorted(first_per_worker.values()) == ["c", "d"]
