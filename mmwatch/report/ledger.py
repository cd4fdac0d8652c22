"""The ledger of sent reports: a SQLite file next to the reports (<data dir>/reports/sent.sqlite3),
never the warehouse that dbt writes.

One row per delivered message: day, group, message id, recipients, content hash, sent at.
`deliver_once` holds SQLite's write lock from the check to the record, so two runs of the same
day never both send; a failed send records nothing, so the next run sends it. (A crash between the
server accepting the message and the record would let the next run send it again: at least once.)
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

LEDGER_FILE = "sent.sqlite3"
_SCHEMA = """create table if not exists sent_reports (
    day text not null, group_name text not null, message_id text not null, recipients text not null,
    content_hash text not null, sent_at text not null, forced integer not null default 0,
    primary key (day, group_name, message_id))"""


@dataclass(frozen=True)
class SentReport:
    day: str
    group_name: str
    message_id: str
    recipients: str  # comma separated, as accepted by the server
    content_hash: str
    sent_at: str
    forced: bool


class ReportLedger:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        # autocommit mode; transactions are explicit. A run waits up to 2 min for another's send.
        return sqlite3.connect(self.path, timeout=120, isolation_level=None)

    def sent(self, day: str, group: str | None = None) -> list[SentReport]:
        """Sends recorded for `day` (and `group`), oldest first."""
        with self._connect() as con:
            found = con.execute("select * from sent_reports where day = ? and (? is null or group_name = ?) "
                                "order by sent_at", [day, group, group]).fetchall()
        return [SentReport(*row[:6], bool(row[6])) for row in found]

    def deliver_once(self, day: str, group: str, message_id: str, content_hash: str,
                     send: Callable[[], list[str]], force: bool = False) -> list[str] | None:
        """Call `send` (returning the accepted recipients) unless `day`/`group` was sent before and not
        `force`; record the send when it returns. None = already sent, nothing done. An exception
        from `send` propagates and nothing is recorded."""
        con = self._connect()
        try:
            con.execute("begin immediate")
            done = con.execute("select 1 from sent_reports where day = ? and group_name = ?", [day, group]).fetchone()
            if done and not force:
                con.execute("rollback")
                return None
            accepted = send()
            con.execute("insert into sent_reports values (?, ?, ?, ?, ?, ?, ?)",
                        [day, group, message_id, ", ".join(accepted), content_hash,
                         datetime.now(timezone.utc).isoformat(timespec="seconds"), int(bool(done))])
            con.execute("commit")
            return accepted
        except BaseException:
            if con.in_transaction:
                con.execute("rollback")
            raise
        finally:
            con.close()
