"""Files that appear whole or not at all: written under a temporary name, then renamed into place
(one rename is atomic on POSIX: a reader sees the old file or the new one, never half of one)."""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def temporary_path(final: Path, tmp_dir: Path | None = None) -> Path:
    """A fresh hidden temporary name for `final`, beside it or in `tmp_dir` (same file system)."""
    folder = tmp_dir or final.parent
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f".{final.name}.{secrets.token_hex(4)}.tmp"


def move_into_place(tmp: Path, final: Path) -> Path:
    """Rename the finished `tmp` to `final` (replacing it); returns `final`."""
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, final)
    return final


@contextmanager
def atomic_path(final: Path | Callable[[], Path], tmp_dir: Path | None = None,
                tmp_name: str = "file") -> Iterator[Path]:
    """Yield a temporary path to write; on a clean exit it is renamed to `final` (a callable is asked
    for the final path only then, e.g. to stamp the name at the rename); on an error it is removed."""
    if callable(final) and tmp_dir is None:
        raise ValueError("atomic_path: give tmp_dir when the final path is only known at the rename")
    tmp = temporary_path(tmp_dir / tmp_name if callable(final) else final, tmp_dir)
    try:
        yield tmp
        move_into_place(tmp, final() if callable(final) else final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomically(path: Path, content: bytes) -> Path:
    """Write `content` to `path` through a temporary name."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(content)
    return path


def write_text_atomically(path: Path, text: str) -> Path:
    """Write `text` (UTF-8) to `path` through a temporary name."""
    return write_bytes_atomically(path, text.encode("utf-8"))
