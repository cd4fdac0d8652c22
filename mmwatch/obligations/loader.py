"""Read an obligations CSV: columns by header name in any order, every problem at once.

The one reader of obligations files: `mmwatch obligations check`, `mmwatch build --obligations`,
$MMWATCH_OBLIGATIONS_CSV, the dbt seed and the Dagster dbt asset all go through
`load_obligations`, which returns the obligations with their defaults filled or raises
ObligationsError listing each problem as `FILE:LINE: column COL: value 'V': what is wrong and
what to do`.
"""
from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from mmwatch.errors import ConfigError
from mmwatch.obligations.model import CANONICAL_COLUMNS, DEFAULTS, SPEC_COLUMNS, Obligation
from mmwatch.obligations.problems import ObligationsError, Problem

# pydantic's error types for a cell that is not a number, and what to write instead
_NOT_A_NUMBER = {"float_parsing", "float_type"}
_NUMBER_HINT = "is not a number: write a plain decimal number such as 25000 or 12.5 (no units, no thousands separators)"


@dataclass(frozen=True)
class ObligationsFile:
    """A valid obligations file: its obligations in file order, defaults filled."""

    path: Path
    obligations: list[Obligation]

    @property
    def markets(self) -> set[tuple[str, str, str]]:
        return {o.market for o in self.obligations}

    @property
    def market_makers(self) -> set[str]:
        return {o.mm_name for o in self.obligations}

    def summary(self) -> str:
        """One line: how many obligations, markets and market makers."""
        return (f"{self.path}: OK: {_count(len(self.obligations), 'obligation')} on "
                f"{_count(len(self.markets), 'market')} of {_count(len(self.market_makers), 'market maker')}")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def load_obligations(path: str | Path) -> ObligationsFile:
    """The obligations of the CSV at `path`, read by header name; ObligationsError with every
    problem (header, cells, overlapping duplicate ids), ConfigError when the file is missing."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise ConfigError(f"obligations file {name} does not exist: give an existing CSV with the columns of "
                          f"spec §3 ({', '.join(SPEC_COLUMNS)}; alert_after_s optional)")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            lines = _records(csv.reader(handle))
    except UnicodeDecodeError as error:
        raise ConfigError(f"obligations file {name} is not UTF-8 text ({error}): save it as CSV UTF-8") from None
    except csv.Error as error:
        raise ConfigError(f"obligations file {name} is not a readable CSV ({error}): save it as comma-separated "
                          "values") from None
    if not lines:
        raise ObligationsError([Problem(name, 1, "(header)", None, "the file is empty: the first line must be the "
                                        f"header {','.join(CANONICAL_COLUMNS)}")], name)
    (header_line, header), rows = lines[0], lines[1:]
    columns = [cell.strip() for cell in header]
    problems = _header_problems(name, header_line, columns)
    missing = {c for c in SPEC_COLUMNS if c not in columns}
    known = {index: column for index, column in enumerate(columns) if column in CANONICAL_COLUMNS}
    found: list[tuple[int, Obligation]] = []
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if len(cells) != len(columns):
            problems.append(_cell_count_problem(name, line, cells, columns))
            continue
        values = {known[i]: cell.strip() for i, cell in enumerate(cells) if i in known}
        obligation, cell_problems = _validate_row(name, line, values, missing)
        problems += cell_problems
        if obligation is not None:
            found.append((line, obligation))
    problems += _duplicate_ids(name, found)
    if problems:
        position = {column: index for index, column in enumerate(columns)}  # file order within a line
        raise ObligationsError(sorted(problems, key=lambda p: (p.line, position.get(p.column, len(columns)))), name)
    return ObligationsFile(path, [obligation for _, obligation in found])


def _records(reader) -> list[tuple[int, list[str]]]:
    """(first line number, cells) of each CSV record (a quoted cell may span lines)."""
    records, last_line = [], 0
    for cells in reader:
        records.append((last_line + 1, cells))
        last_line = reader.line_num
    return records


def _header_problems(name: str, line: int, columns: list[str]) -> list[Problem]:
    problems = []
    for index, column in enumerate(columns):
        if column in CANONICAL_COLUMNS:
            if columns.index(column) != index:
                problems.append(Problem(name, line, column, None, f"is named twice in the header (columns "
                                        f"{columns.index(column) + 1} and {index + 1}): keep one of them"))
            continue
        close = difflib.get_close_matches(column, CANONICAL_COLUMNS, n=1, cutoff=0.6)
        if ";" in column or "\t" in column:
            hint = "the header is not comma-separated: save the file as CSV with commas between columns"
        elif close:
            hint = f"did you mean {close[0]}? rename it, or remove the column"
        else:
            hint = f"remove it (the columns are {', '.join(CANONICAL_COLUMNS)})"
        problems.append(Problem(name, line, column or f"#{index + 1}", None,
                                f"is not an obligations column: {hint}"))
    for column in SPEC_COLUMNS:
        if column not in columns:
            problems.append(Problem(name, line, column, None, "is missing from the header: every column of spec §3 "
                                    "is required (cells of valid_to, min_coverage_pct and min_days_pct may be "
                                    "left empty): add it"))
    return problems


def _cell_count_problem(name: str, line: int, cells: list[str], columns: list[str]) -> Problem:
    if len(cells) > len(columns):
        return Problem(name, line, f"#{len(columns) + 1} (after the last header column)", cells[len(columns)].strip(),
                       f"the line has {len(cells)} cells but the header {len(columns)}: remove the extra cells, or "
                       "quote a value that contains a comma")
    first_absent = columns[len(cells)] or f"#{len(cells) + 1}"
    return Problem(name, line, first_absent, None,
                   f"the line ends after {len(cells)} cells but the header has {len(columns)}: add the missing cells "
                   "(an empty cell is written as nothing between two commas)")


def _validate_row(name: str, line: int, values: dict[str, str],
                  missing_columns: set[str]) -> tuple[Obligation | None, list[Problem]]:
    filled = {column: value for column, value in values.items() if value != ""}
    try:
        return Obligation.model_validate(filled), []
    except ValidationError as error:
        problems = []
        for found in error.errors():
            column = str(found["loc"][0])
            if column in missing_columns:
                continue  # said once, at the header
            problems.append(Problem(name, line, column, values.get(column, ""), _message(found, column)))
        return None, problems


def _message(error: dict, column: str) -> str:
    kind = error["type"]
    if kind == "missing":
        return f"is empty: {column} is required, fill it in"
    if kind in _NOT_A_NUMBER:
        return _NUMBER_HINT
    if kind.startswith("date_"):
        return "is not a date: write it as YYYY-MM-DD, e.g. 2025-01-31"
    message = error["msg"].removeprefix("Value error, ")
    if message.startswith("must be greater than 0"):
        default = f" (or leave it empty for the default {DEFAULTS[column]:g})" if column in DEFAULTS else ""
        return f"{message}: write a positive {column}{default}"
    if column in DEFAULTS and message.startswith("must be a percentage"):
        return f"{message} (or leave it empty for the default {DEFAULTS[column]:g})"
    return message


def _duplicate_ids(name: str, found: list[tuple[int, Obligation]]) -> list[Problem]:
    """A problem for each obligation whose id an earlier line already uses. Overlapping validities
    are the spec's conflict; the marts also key days, breach episodes and alerts by obligation_id
    alone, so a renewed obligation (validity after the old one's) needs its own id too."""
    problems, first_seen = [], {}
    for line, obligation in found:
        earlier = first_seen.get(obligation.obligation_id)
        if earlier is None:
            first_seen[obligation.obligation_id] = (line, obligation)
            continue
        earlier_line, before = earlier
        if obligation.overlaps(before):
            what = (f"is also the id of line {earlier_line}, whose validity {before.validity} overlaps this line's "
                    f"{obligation.validity}: give each obligation its own obligation_id, or end the earlier one "
                    "(valid_to) where this one starts")
        else:
            what = (f"is also the id of line {earlier_line} (validity {before.validity}, this line "
                    f"{obligation.validity}): the marts key days, breach episodes and alerts by obligation_id, so "
                    "give the renewed obligation its own obligation_id")
        problems.append(Problem(name, line, "obligation_id", obligation.obligation_id, what))
    return problems
