"""pytest imports test modules by basename (the test folders are not packages): two test files of
the same name in different folders stop the whole run at collection ("import file mismatch"), as CI
once did. Each test file's name is unique across tests/."""
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_module_name_is_unique():
    found: dict[str, list[str]] = defaultdict(list)
    for path in TESTS.rglob("test_*.py"):
        found[path.name].append(str(path.relative_to(TESTS)))
    twins = {name: paths for name, paths in found.items() if len(paths) > 1}
    assert not twins, f"rename one of each: {twins}"
    assert len(found) > 100  # the walk saw the suite
