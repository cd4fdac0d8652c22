"""What is wrong with an obligations file: one Problem per bad cell, header column or line, and
the error that carries all of them at once."""
from __future__ import annotations

from dataclasses import dataclass

from mmwatch.errors import ConfigError


@dataclass(frozen=True)
class Problem:
    """One problem of an obligations file: where (file, line, column), the value found (None when
    there is none, e.g. a column missing from the header) and what is wrong and what to do."""

    file: str
    line: int
    column: str
    value: str | None
    message: str

    def __str__(self) -> str:
        value = "" if self.value is None else f" value '{self.value}':"
        return f"{self.file}:{self.line}: column {self.column}:{value} {self.message}"


class ObligationsError(ConfigError):
    """An obligations file with problems; the message lists every one, a line each."""

    def __init__(self, problems: list[Problem], file: str):
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__("\n".join(str(p) for p in problems)
                         + f"\n{count} in obligations file {file}: fix them and check it again with "
                         f"`mmwatch obligations check {file}`")
