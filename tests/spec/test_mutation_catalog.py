"""The mutation list of benchmarks/mutation stays applicable: every edit finds its text exactly
once in the current tree and names an existing test group (a refactor of the SQL or the raw
rules must update mutations.yaml, or the mutation score would silently stop measuring)."""
from __future__ import annotations

from benchmarks.mutation.runner import REPO, check_applies, load_catalog


def test_every_mutation_applies_exactly_once():
    groups, mutations = load_catalog()
    check_applies(REPO, mutations)  # raises CatalogError naming each stale mutation
    assert {m.section for m in mutations} >= {"1", "2", "3", "4"}


def test_every_test_group_path_exists():
    groups, _ = load_catalog()
    missing = [path for paths in groups.values() for path in paths if not (REPO / path.split("::")[0]).is_file()]
    assert missing == []
