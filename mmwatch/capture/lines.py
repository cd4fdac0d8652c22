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


def line_blocks(path: Path, block_bytes: int = BLOCK_BYTES, buffers: int = 1) -> Iterator[LineBlock]:
    """Yield consecutive blocks of whole lines (about `block_bytes` each), numbered from 1.

    The blocks are read into `buffers` buffers in turn, reused (fresh memory is
    slow to touch): a block stays valid until `buffers - 1` more blocks have
    been requested, so up to that many can be parsed while the next is read.
    """
    if path.suffix != ".gz" and path.is_file():  # a small capture needs no 32 MB buffers (zeroing them costs ~15 ms each)
        block_bytes = max(1, min(block_bytes, path.stat().st_size + 1))
    pool = [bytearray(block_bytes) for _ in range(max(1, buffers))]
    turn = 0
    buffer = pool[turn]
    view = memoryview(buffer)
    next_line, kept = 1, 0
    with open_capture(path) as stream:
        while True:
            if kept == len(buffer):  # one line longer than the buffer: a bigger one (the old may be in use)
                buffer = pool[turn] = bytearray(2 * len(buffer))
                buffer[:kept] = view[:kept]
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
            kept = filled - cut
            turn = (turn + 1) % len(pool)
            following = pool[turn]
            if len(following) < kept:
                following = pool[turn] = bytearray(max(block_bytes, 2 * kept))
            following[:kept] = view[cut:filled]
            buffer, view = following, memoryview(following)
    if kept:
        yield _block(next_line, buffer, kept)
