"""Apply each mutation of mutations.yaml to a copy of the repo, run its tests, record, revert."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
CATALOG = Path(__file__).resolve().parent / "mutations.yaml"
RUN_TIMEOUT_S = 900
# the parsed dbt project the Dagster definitions load (tests/conftest.py re-parses it when a
# dbt file is newer); the dbt tests of the groups parse the project themselves
MANIFEST = Path("dbt") / "target" / "manifest.json"


class CatalogError(Exception):
    """mutations.yaml is malformed or one of its edits does not apply exactly once."""


@dataclass(frozen=True)
class Mutation:
    id: str
    section: str
    file: str
    find: str
    replace: str
    violates: str
    tests: str  # a group name of the catalog


@dataclass
class Outcome:
    id: str
    section: str
    file: str
    violates: str
    tests: str
    result: str  # caught | survived | error
    seconds: float
    detail: str  # the first failing test, or why the run is an error


def load_catalog(path: Path = CATALOG) -> tuple[dict[str, list[str]], list[Mutation]]:
    """The test groups and the mutations of the catalog, checked for shape."""
    data = yaml.safe_load(path.read_text())
    groups = data.get("groups") or {}
    mutations, problems, seen = [], [], set()
    for index, entry in enumerate(data.get("mutations") or []):
        missing = [k for k in ("id", "section", "file", "find", "replace", "violates", "tests") if k not in entry]
        if missing:
            problems.append(f"{path.name}: mutation #{index + 1} ({entry.get('id', '?')}) lacks {', '.join(missing)}")
            continue
        mutation = Mutation(**{k: str(entry[k]) for k in Mutation.__dataclass_fields__})
        if mutation.id in seen:
            problems.append(f"{path.name}: mutation id {mutation.id} appears twice")
        if mutation.tests not in groups:
            problems.append(f"{path.name}: mutation {mutation.id} names test group {mutation.tests!r}, "
                            f"not one of {sorted(groups)}")
        if mutation.find == mutation.replace:
            problems.append(f"{path.name}: mutation {mutation.id} replaces its text by the same text")
        seen.add(mutation.id)
        mutations.append(mutation)
    if problems:
        raise CatalogError("\n".join(problems))
    return groups, mutations


def check_applies(root: Path, mutations: list[Mutation]) -> None:
    """Fail (listing every problem) unless each mutation's text occurs exactly once in its file."""
    problems = []
    for mutation in mutations:
        path = root / mutation.file
        if not path.is_file():
            problems.append(f"{mutation.id}: {mutation.file} does not exist under {root}")
            continue
        count = path.read_text().count(mutation.find)
        if count != 1:
            problems.append(f"{mutation.id}: the text to find occurs {count} times in {mutation.file} (must be "
                            f"exactly once; re-read the file and update {CATALOG.name}): {mutation.find!r}")
    if problems:
        raise CatalogError("\n".join(problems))


def copy_tracked_files(repo: Path, dest: Path) -> int:
    """Copy the files git tracks in `repo` (their work-tree content) to `dest`; returns how many."""
    listed = subprocess.run(["git", "-C", str(repo), "ls-files", "-z"], check=True, capture_output=True).stdout
    count = 0
    for name in filter(None, listed.decode().split("\0")):
        source = repo / name
        if not source.is_file():  # tracked but deleted in the work tree
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        count += 1
    return count


def _environment(copy: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("MMWATCH_")}
    # no bytecode files: an edit and its revert within one second must never reuse a stale .pyc
    env.update(PYTHONDONTWRITEBYTECODE="1", MMWATCH_DATA_DIR=str(copy / "data"))
    return env


def check_copy_is_imported(copy: Path) -> None:
    """The copy's packages, not the editable install's (/work/main), must be the ones imported."""
    probe = "import assets, mmwatch; print(assets.__file__); print(mmwatch.__file__)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=copy, env=_environment(copy), check=True,
                         capture_output=True, text=True).stdout.split()
    outside = [path for path in out if not Path(path).resolve().is_relative_to(copy.resolve())]
    if outside:
        raise CatalogError(f"the copy in {copy} imports {outside} from outside it: the mutations would not be tested")


def run_tests(copy: Path, paths: list[str], basetemp: Path) -> tuple[int, float, str]:
    """(pytest exit code, seconds, first failing test or last lines) of `paths` run from the copy."""
    shutil.rmtree(basetemp, ignore_errors=True)
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-rfE",
               f"--basetemp={basetemp}", *paths]
    started = time.monotonic()
    try:
        run = subprocess.run(command, cwd=copy, env=_environment(copy), capture_output=True, text=True,
                             timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return -1, time.monotonic() - started, f"timed out after {RUN_TIMEOUT_S} s"
    seconds = time.monotonic() - started
    lines = (run.stdout + run.stderr).splitlines()
    failures = [line for line in lines if line.startswith(("FAILED ", "ERROR "))]
    detail = failures[0] if failures else " | ".join(lines[-3:])
    return run.returncode, seconds, detail[:300]


def _touch_manifest(copy: Path) -> None:
    """Keep the copy's parsed manifest newer than an edited dbt file: no group loads the Dagster
    definitions, so re-parsing the project at each pytest start (~9 s) would only cost time."""
    manifest = copy / MANIFEST
    if manifest.exists():
        os.utime(manifest)


def run_mutation(copy: Path, mutation: Mutation, paths: list[str], basetemp: Path) -> Outcome:
    """Apply `mutation` in the copy, run its tests, revert; caught = the tests failed."""
    path = copy / mutation.file
    original = path.read_text()
    if original.count(mutation.find) != 1:
        raise CatalogError(f"{mutation.id}: the text to find is not exactly once in the copy's {mutation.file}")
    path.write_text(original.replace(mutation.find, mutation.replace))
    if mutation.file.startswith("dbt/"):
        _touch_manifest(copy)
    try:
        code, seconds, detail = run_tests(copy, paths, basetemp)
    finally:
        path.write_text(original)
        if mutation.file.startswith("dbt/"):
            _touch_manifest(copy)
    # 1: tests failed; 2: collection or import failed (the edit broke a module); -1: timed out
    result = "caught" if code in (1, 2, -1) else "survived" if code == 0 else "error"
    return Outcome(mutation.id, mutation.section, mutation.file, mutation.violates, mutation.tests, result,
                   round(seconds, 1), detail if result != "survived" else "")


def _table(outcomes: list[Outcome]) -> str:
    rows = ["| id | § | file | violates | tests | result | s |", "|---|---|---|---|---|---|---|"]
    for o in outcomes:
        rows.append(f"| {o.id} | {o.section} | `{o.file}` | {o.violates} | {o.tests} | {o.result} | {o.seconds:.0f} |")
    return "\n".join(rows)


def _summary(outcomes: list[Outcome], seconds: float) -> str:
    caught = sum(o.result == "caught" for o in outcomes)
    survived = [o.id for o in outcomes if o.result == "survived"]
    errors = [o.id for o in outcomes if o.result == "error"]
    text = f"{caught}/{len(outcomes)} mutations caught in {seconds / 60:.1f} min"
    if survived:
        text += f"; survived: {', '.join(survived)}"
    if errors:
        text += f"; errors: {', '.join(errors)}"
    return text


def write_results(out_dir: Path, outcomes: list[Outcome], baseline: dict, seconds: float) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    summary = _summary(outcomes, seconds)
    payload = {"finished_utc": stamp, "summary": summary, "total_seconds": round(seconds, 1),
               "baseline_seconds": baseline, "mutations": [asdict(o) for o in outcomes]}
    json_path = out_dir / f"mutation-{stamp}.json"
    json_path.write_text(json.dumps(payload, indent=2) + "\n")
    (out_dir / f"mutation-{stamp}.md").write_text(f"# Mutation run {stamp}\n\n{summary}\n\n{_table(outcomes)}\n")
    return json_path


def _select(mutations: list[Mutation], only: str | None, section: str | None) -> list[Mutation]:
    chosen = mutations
    if only:
        wanted = {item.strip() for item in only.split(",") if item.strip()}
        unknown = wanted - {m.id for m in mutations}
        if unknown:
            raise CatalogError(f"--only names unknown mutation ids: {', '.join(sorted(unknown))}")
        chosen = [m for m in chosen if m.id in wanted]
    if section:
        chosen = [m for m in chosen if m.section == section]
    return chosen


def main(argv: list[str] | None = None) -> int:
    from benchmarks import mutation

    parser = argparse.ArgumentParser(prog="python -m benchmarks.mutation", description=mutation.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated mutation ids")
    parser.add_argument("--section", help="only the mutations of this spec section (1, 2, 3, 4, sanity)")
    parser.add_argument("--check", action="store_true", help="only check that every edit applies exactly once")
    parser.add_argument("--out", type=Path, default=REPO / "data" / "benchmarks", help="where the results go")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy (its path is printed)")
    args = parser.parse_args(argv)
    try:
        groups, mutations = load_catalog()
        chosen = _select(mutations, args.only, args.section)
        check_applies(REPO, chosen)
    except CatalogError as error:
        print(f"mutation catalog {CATALOG}: {error}", file=sys.stderr)
        return 2
    if args.check:
        print(f"{len(chosen)} mutations apply exactly once ({len(mutations)} in the catalog)")
        return 0
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="mmwatch-mutation-"))
    copy, basetemp = work / "repo", work / "pytest"
    try:
        files = copy_tracked_files(REPO, copy)
        check_applies(copy, chosen)
        check_copy_is_imported(copy)
        print(f"copied {files} tracked files to {copy}; running {len(chosen)} mutations", flush=True)
        baseline = {}
        for name in sorted({m.tests for m in chosen}):
            code, seconds, detail = run_tests(copy, groups[name], basetemp)
            baseline[name] = round(seconds, 1)
            print(f"baseline {name}: exit {code} in {seconds:.0f} s", flush=True)
            if code != 0:
                print(f"the unmutated tests of group {name} fail ({detail}): fix them first", file=sys.stderr)
                return 2
        outcomes = []
        for mutation in chosen:
            outcome = run_mutation(copy, mutation, groups[mutation.tests], basetemp)
            outcomes.append(outcome)
            print(f"{outcome.id:5} §{outcome.section:6} {outcome.result:8} {outcome.seconds:6.1f} s  "
                  f"{outcome.violates}  {outcome.detail}", flush=True)
    except CatalogError as error:
        print(f"mutation run: {error}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"copy kept at {copy}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    seconds = time.monotonic() - started
    print("\n" + _table(outcomes) + "\n")
    print(_summary(outcomes, seconds))
    print(f"results: {write_results(args.out, outcomes, baseline, seconds)}")
    return 0 if all(o.result == "caught" for o in outcomes) else 1
