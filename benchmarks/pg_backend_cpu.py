"""CPU seconds spent by the PostgreSQL backends serving one database, for benchmarks on a shared
machine: wall time under load says little, CPU time says what an idle machine would need.

A thread samples /proc/<pid>/stat of every backend of the database (found in pg_stat_activity)
every `interval_s`; a backend that exits between samples loses at most one interval of CPU. Works
when PostgreSQL runs on this host and its /proc entries are readable; otherwise `seconds` is None.
"""
from __future__ import annotations

import os
import threading

import psycopg

_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


class BackendCpu:
    """`with BackendCpu(dsn, database) as cpu: ...` then `cpu.seconds`."""

    def __init__(self, dsn: str, database: str, interval_s: float = 0.1) -> None:
        self._dsn, self._database, self._interval_s = dsn, database, interval_s
        self._seen: dict[int, float] = {}
        self._start: dict[int, float] = {}
        self._readable = True
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, conn: psycopg.Connection) -> None:
        pids = [r[0] for r in conn.execute("select pid from pg_stat_activity where datname = %s", (self._database,))]
        for pid in pids:
            seconds = _cpu_seconds(pid)
            if seconds is None:
                self._readable = False
                continue
            # backends already there count from now, later ones from their start
            self._start.setdefault(pid, 0.0 if self._ready.is_set() else seconds)
            self._seen[pid] = seconds

    def _run(self) -> None:
        with psycopg.connect(self._dsn, autocommit=True) as conn:
            self._sample(conn)
            self._ready.set()
            while not self._stop.wait(self._interval_s):
                self._sample(conn)
            self._sample(conn)

    def __enter__(self) -> "BackendCpu":
        self._thread.start()
        self._ready.wait()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def seconds(self) -> float | None:
        """CPU of the database's backends during the block (None when /proc was not readable)."""
        if not self._readable:
            return None
        return sum(self._seen[pid] - self._start[pid] for pid in self._seen)
