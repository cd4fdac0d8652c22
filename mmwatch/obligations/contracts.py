"""Obligations kept as contracts: add one, end one, list them with what is in force on a day.

Nothing is ever deleted: `end` sets valid_to (the first day the terms no longer apply), so the
file keeps the history of terms and every day is judged by the terms valid that day (the marts
join on [valid_from, valid_to)). New terms for the same market maker and market are a new row
with its own obligation_id, starting where the old one ends.

Every change is written to a temporary file beside the obligations file, loaded by the loader
every build uses (mmwatch.obligations.loader), and only then renamed over the file: a change the
builds would refuse never lands. The file's header order and every other cell are kept as found.
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from mmwatch.errors import ConfigError
from mmwatch.obligations.loader import ObligationsFile, load_obligations
from mmwatch.obligations.model import CANONICAL_COLUMNS, Obligation, symbol_shape
from mmwatch.obligations.problems import ObligationsError
from mmwatch.obligations.templates import template


@dataclass(frozen=True)
class Change:
    """What add or end did: the obligation as written and, for end, its terms before."""

    path: Path
    obligation: Obligation
    before: Obligation | None = None


def status_on(obligation: Obligation, day: date) -> str:
    """'in force' on `day`, 'ended' (valid_to <= day) or 'not yet' (valid_from > day)."""
    if obligation.valid_from > day:
        return "not yet"
    if obligation.valid_to is not None and obligation.valid_to <= day:
        return "ended"
    return "in force"


def read_valid(path: Path) -> ObligationsFile:
    """The obligations of `path`, which must load: a change is never made to a file the builds
    already refuse (ObligationsError lists every problem)."""
    return load_obligations(path)


def new_cells(given: dict[str, str | None], template_name: str | None = None) -> dict[str, str]:
    """The cells of a new obligation: the template's terms, then every option given; market_type
    from the symbol's shape when not given (BTC/USDT spot, BTC/USDT:USDT swap, ...)."""
    cells = dict(template(template_name).terms) if template_name else {}
    cells.update({column: str(value).strip() for column, value in given.items() if value is not None})
    if not cells.get("market_type") and cells.get("symbol"):
        cells["market_type"] = symbol_shape(cells["symbol"]) or ""
    return cells


def add_obligation(path: Path, cells: dict[str, str]) -> Change:
    """Append the obligation `cells` (column -> text) to the file at `path` (created with the
    canonical header when missing). Refused, the file untouched, with a ConfigError naming the
    cause: an obligation_id already in the file, terms of the same market maker on the same market
    whose validity overlaps, or any problem the loader finds in the new row."""
    unknown = sorted(set(cells) - set(CANONICAL_COLUMNS))
    if unknown:
        raise ConfigError(f"not obligations columns: {', '.join(unknown)}; the columns are "
                          f"{', '.join(CANONICAL_COLUMNS)}")
    existing = read_valid(path).obligations if path.exists() else []
    oid = cells.get("obligation_id", "")
    same_id = next((o for o in existing if o.obligation_id == oid), None)
    if same_id is not None:
        raise ConfigError(f"obligation_id '{oid}' is already in {path} ({same_id.mm_name}, {_market(same_id)}, "
                          f"valid {same_id.validity}): choose another id; to change its terms, end it "
                          f"(mmwatch obligations end {oid} --on DAY) and add the new terms under a new id")
    header, rows = _table(path)
    header += [c for c in CANONICAL_COLUMNS if c in cells and c not in header]
    rows = [row + [""] * (len(header) - len(row)) for row in rows]
    rows.append([cells.get(column, "") for column in header])
    added = _replace(path, header, rows, new_line=len(rows) + 1, check=_no_overlap)[-1]
    return Change(path, added)


def end_obligation(path: Path, obligation_id: str, on: date) -> Change:
    """Set the valid_to of `obligation_id` to `on` (exclusive: `on` is the first day it no longer
    applies); nothing else changes. Refused when the id is not in the file, when the obligation
    already ends on or before `on`, or when `on` is not after its valid_from."""
    obligations = read_valid(path).obligations
    index = next((i for i, o in enumerate(obligations) if o.obligation_id == obligation_id), None)
    if index is None:
        known = ", ".join(o.obligation_id for o in obligations) or "none"
        raise ConfigError(f"no obligation '{obligation_id}' in {path} (its obligations: {known}): "
                          "`mmwatch obligations list` shows them")
    before = obligations[index]
    if before.valid_to is not None and before.valid_to <= on:
        raise ConfigError(f"{obligation_id} already ends on {before.valid_to.isoformat()} (valid {before.validity}): "
                          "nothing changed")
    if on <= before.valid_from:
        raise ConfigError(f"{obligation_id} starts on {before.valid_from.isoformat()}: end it on a later day "
                          "(--on is the first day its terms no longer apply; nothing is ever deleted)")
    header, rows = _table(path)
    if "valid_to" not in header:  # the loader refuses a header without it, so this is never reached
        raise ConfigError(f"{path} has no valid_to column: add it to the header")
    rows[index] += [""] * (len(header) - len(rows[index]))
    rows[index][header.index("valid_to")] = on.isoformat()
    after = _replace(path, header, rows)[index]
    return Change(path, after, before)


def _market(o: Obligation) -> str:
    return f"{o.exchange} {o.symbol} ({o.market_type})"


def _table(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and the records of `path` as text cells (the canonical header for a new file)."""
    if not path.exists():
        return list(CANONICAL_COLUMNS), []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        records = list(csv.reader(handle))
    if not records:
        return list(CANONICAL_COLUMNS), []
    return [cell.strip() for cell in records[0]], [r for r in records[1:] if any(cell.strip() for cell in r)]


def _replace(path: Path, header: list[str], rows: list[list[str]], new_line: int | None = None,
             check: Callable[[ObligationsFile], None] | None = None) -> list[Obligation]:
    """Write header and rows to a temporary file beside `path`, load it as the builds do (then
    `check` it), and rename it over `path` only when it passes; returns its obligations. The
    loader's problems of line `new_line` are said as problems of the new obligation."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".candidate", dir=path.parent)
    except OSError as error:
        raise ConfigError(f"cannot write beside {path} ({error.strerror}): the obligations file and its folder must be "
                          "writable (a settings folder mounted read-only is edited where it is mounted from)") from None
    candidate = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(buffer.getvalue())
        try:
            loaded = load_obligations(candidate)
        except ObligationsError as error:
            raise ConfigError(_explain(error, path, new_line)) from None
        if check is not None:
            check(loaded)
        os.replace(candidate, path)
        return loaded.obligations
    finally:
        candidate.unlink(missing_ok=True)


def _no_overlap(loaded: ObligationsFile) -> None:
    """Refuse terms of the same market maker on the same market that overlap the new (last) row."""
    *existing, added = loaded.obligations
    for other in existing:
        if other.mm_name == added.mm_name and other.market == added.market and other.overlaps(added):
            raise ConfigError(f"{added.obligation_id} {added.validity} overlaps {other.obligation_id} {other.validity} "
                           f"of {added.mm_name} on {_market(added)}: end {other.obligation_id} first (mmwatch "
                           f"obligations end {other.obligation_id} --on {added.valid_from.isoformat()}) or start "
                           "the new terms on its valid_to")


def _explain(error: ObligationsError, path: Path, new_line: int | None) -> str:
    if new_line is not None and all(p.line == new_line for p in error.problems):
        return "\n".join(f"new obligation: column {p.column}:" + ("" if p.value is None else f" value '{p.value}':")
                         + f" {p.message}" for p in error.problems)
    return "\n".join(str(p).replace(str(error.problems[0].file), str(path), 1) for p in error.problems)
