"""Console progress of the long commands (demo, build, import, simulate-day): one line per stage.

On a terminal a running stage shows a spinner, its elapsed time and its latest detail (e.g. the
dbt node being built) on the terminal; when it ends, one line stays: `[2/7] title: summary (12.3 s)`.
Elsewhere (a pipe, CI, tests) only that line is printed, when the stage ends. A stage that raises
leaves `title: failed (12.3 s)` and the error goes on up to the command, which prints it.
"""
from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Callable

Echo = Callable[[str], None]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Stage:
    """A running stage: `update` the live detail (terminal only), `done` the summary of its line,
    `note` a line printed under it (a warning)."""

    def __init__(self, show: Callable[[str], None]):
        self._show = show
        self.summary = ""
        self.notes: list[str] = []

    def update(self, detail: str) -> None:
        """Show `detail` beside the spinner (the newest one wins; nothing is printed off a terminal)."""
        self._show(ANSI.sub("", detail).strip()[:60])

    def done(self, summary: str) -> None:
        """The text after the stage's title in its one line."""
        self.summary = summary

    def note(self, line: str) -> None:
        """A line printed, indented, under the stage's line (a warning the user should see)."""
        self.notes.append(line)


class Stages:
    """Numbered stages printed through `echo` (`total` None: unnumbered); `live` None = a spinner
    when stderr is a terminal."""

    def __init__(self, echo: Echo, total: int | None = None, live: bool | None = None):
        self.echo, self.total = echo, total
        self.live = sys.stderr.isatty() if live is None else live
        self.started = 0

    @contextmanager
    def stage(self, title: str) -> Iterator[Stage]:
        """Run the block as the next stage; its line is printed when the block ends."""
        self.started += 1
        label = f"[{self.started}/{self.total}] {title}" if self.total else title
        began = time.perf_counter()
        stage = Stage(lambda detail: None)
        try:
            with self._spinner(label) as show:
                stage = Stage(show)
                yield stage
        except BaseException:
            self._end(f"{label}: failed", began, stage.notes)
            raise
        self._end(f"{label}: {stage.summary}" if stage.summary else label, began, stage.notes)

    def _end(self, line: str, began: float, notes: list[str]) -> None:
        self.echo(f"{line} ({time.perf_counter() - began:.1f} s)")
        for note in notes:
            self.echo(f"      {note}")

    @contextmanager
    def _spinner(self, label: str) -> Iterator[Callable[[str], None]]:
        terminal = _open_terminal() if self.live else None
        if terminal is None:
            yield lambda detail: None
            return
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        # drawn on the terminal itself: Dagster points file descriptors 1 and 2 at its compute logs
        # while a step runs, and the program's own output stays where it is sent
        with terminal, Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                console=Console(file=terminal), transient=True, redirect_stdout=False,
                                redirect_stderr=False) as progress:
            short = label.split(":", 1)[0]  # the live line stays within a narrow terminal
            task = progress.add_task(short, total=None)
            yield lambda detail: progress.update(task, description=f"{short} · {detail}" if detail else short)


def _open_terminal():
    """The controlling terminal for writing, or None (no terminal: a daemon, a container without tty)."""
    try:
        return open("/dev/tty", "w")
    except OSError:
        return None
