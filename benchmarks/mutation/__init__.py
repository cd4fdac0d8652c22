"""Mutation test of the metric contract (../shared/spec/metrics.md §1-§4).

`mutations.yaml` lists spec-violating edits to the SQL, seeds and Python: each names the spec
section, the file, the exact text to find (it must occur exactly once), its replacement, what
the edit violates, and the group of fast tests that must catch it. The runner copies the repo's
tracked files (as they are in the work tree) into a temporary directory, checks there that the
copy's code is the one imported, runs every group once unmutated (all must pass), then per
mutation applies the edit in the copy, runs the group with `python -m pytest -x` from the copy,
records caught (a test failed) or survived and the time, and reverts the edit. The work tree is
never edited.

    .venv/bin/python -m benchmarks.mutation                  # the whole list (about 17 min on an idle machine)
    .venv/bin/python -m benchmarks.mutation --only C25,C26   # some mutations (ids, comma-separated)
    .venv/bin/python -m benchmarks.mutation --section 3      # one spec section
    .venv/bin/python -m benchmarks.mutation --check          # only check that every edit applies once

It prints a table and writes `mutation-<time>.json` and `.md` under `data/benchmarks/` (or
--out). Exit 0 when every mutation was caught, 1 when one survived, 2 when the list does not
apply or the unmutated tests fail. A surviving mutation is a missing test: add the
hand-computed case to tests/spec/, never weaken the mutation. Results: docs/benchmarks.md.
"""
