"""Reading a capture file as numbered lines, in chunks, plain or gzip."""
from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

import orjson

from mmwatch.errors import CaptureError

BLOCK_BYTES = 32 * 1024 * 1024
SNIFF_LINES = 5


def open_capture(path: Path) -> IO[bytes]:
    """Open a capture for reading (gzip when the name ends in .gz); CaptureError when missing."""
    if not path.is_file():
        raise CaptureError(f"capture file not found: {path}")
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def check_is_jsonl(path: Path) -> None:
    """Refuse a file that is not JSON Lines at all: none of its first non-empty lines is a JSON object.

    A few bad lines in a real capture are reported and skipped later; this only
    stops a CSV, a binary or a JSON document from being read line by line.
    """
    seen = []
    try:
        with open_capture(path) as stream:
            for raw in stream:
                if raw.strip():
                    seen.append(raw)
                if len(seen) >= SNIFF_LINES:
                    break
    except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as exc:
        raise CaptureError(f"{path}: cannot be read as {'gzip' if path.suffix == '.gz' else 'a file'}: {exc}") from None
    for raw in seen:
        try:
            if isinstance(orjson.loads(raw), dict):
                return
        except orjson.JSONDecodeError:
            continue
    if seen:
        first = seen[0][:60].decode("utf-8", "replace").strip()
        raise CaptureError(
            f"{path}: not a JSON Lines capture (none of the first {len(seen)} non-empty lines is a JSON object; "
            f"first line starts {first!r}). Expected one JSON record per line, see capture-format.md"
        )


@dataclass(frozen=True)
class LineBlock:
    """Consecutive whole lines of a capture: `data` and the start offset of each line (plus the end).

    `data` is a view of the reader's reusable buffer: valid only until the next block is read.
    """

    first_line: int
    data: memoryview
    offsets: list[int]

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def line(self, line_no: int) -> bytes:
        """The bytes of line `line_no` (1-based, file numbering), newline included."""
        index = line_no - self.first_line
        return bytes(self.data[self.offsets[index]:self.offsets[index + 1]])


def _block(first_line: int, buffer: bytearray, end: int) -> LineBlock:
    """The lines of buffer[:end]; bytearray.find is a memchr, far quicker than a regex scan."""
    offsets = [0]
    find, at = buffer.find, buffer.find(b"\n", 0, end)
    while at >= 0:
        offsets.append(at + 1)
        at = find(b"\n", at + 1, end)
    if offsets[-1] != end:
        offsets.append(end)
    return LineBlock(first_line, memoryview(buffer)[:end], offsets)


def line_blocks(path: Path, block_bytes: int = BLOCK_BYTES) -> Iterator[LineBlock]:
    """Yield consecutive blocks of whole lines (about `block_bytes` each), numbered from 1.

    One buffer is reused for every block (fresh memory is slow to touch), so
    each block must be consumed before the next one is requested.
    """
    buffer = bytearray(block_bytes)
    view = memoryview(buffer)
    next_line, kept = 1, 0
    with open_capture(path) as stream:
        while True:
            if kept == len(buffer):  # one line longer than the buffer: grow it
                buffer.extend(bytes(len(buffer)))
                view = memoryview(buffer)
            try:
                got = stream.readinto(view[kept:])
            except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
                raise CaptureError(f"{path}: damaged gzip stream after line {next_line - 1}: {exc}") from None
            if not got:
                break
            filled = kept + got
            cut = buffer.rfind(b"\n", 0, filled) + 1
            if cut == 0:
                kept = filled
                continue
            block = _block(next_line, buffer, cut)
            yield block
            next_line += len(block)
            buffer[:filled - cut] = view[cut:filled]
            kept = filled - cut
    if kept:
        yield _block(next_line, buffer, kept)
