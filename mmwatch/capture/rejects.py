"""Every rejected line of an import, in one text file: `<data>/landing/_rejects/<capture>-<UTC time>.txt`.

One line per rejected capture line, `file:line: reason`, in file order, all of them (the screen
shows a summary by rule). The file is created at the first rejected line: an import without
rejects leaves nothing behind. It sits in the landing zone beside the data it did not let in; the
landing scans read only `landing/<data set>/day=*/exchange=*`, so `_rejects` is never taken for data.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from mmwatch.capture.reader import LineIssue
from mmwatch.settings import DataDir

REJECTS_FOLDER = "_rejects"


def rejects_path(data_dir: DataDir, source: str, now: datetime | None = None) -> Path:
    """Where the rejects of an import with landing `source` (import_<stem>, already safe) go."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%S.%fZ")
    return data_dir.landing / REJECTS_FOLDER / f"{source.removeprefix('import_')}-{stamp}-{secrets.token_hex(2)}.txt"


_LINE_BREAKS = {ord(c): f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}"
                for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}  # everything str.splitlines splits on


def _one_line(text: str) -> str:
    return text.translate(_LINE_BREAKS)


class RejectsFile:
    """Appends rejected lines to `path`, opening it (and its folder) at the first one."""

    def __init__(self, path: Path):
        self.path = path
        self.lines = 0
        self._file: IO[str] | None = None

    def write(self, issues: list[LineIssue]) -> None:
        """Append `issues` as `file:line: reason` lines."""
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "a", encoding="utf-8")
        self._file.writelines(_one_line(str(issue)) + "\n" for issue in issues)
        self.lines += len(issues)

    def close(self) -> Path | None:
        """Close the file; its path, or None when nothing was rejected."""
        if self._file is None:
            return None
        self._file.close()
        return self.path
