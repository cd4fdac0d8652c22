"""What the evidence reads from the marts (read-only): each snapshot's spec §2 metrics
(fct_orderbook_snapshot_metrics), its judgement against each obligation (int_obligation_snapshots_
evaluated: spread and depth at the obligation's band, compliant or not), the obligations' terms
(dim_obligations) and the breach episodes (fct_mm_breach_episodes). Nothing is computed again here:
the numbers are the ones the verdicts were made of."""
from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

from mmwatch.duckdb_files import read_warehouse
from mmwatch.errors import MmwatchError


class WarehouseUnavailable(MmwatchError):
    """No warehouse, or it lacks the marts (no day built yet)."""


@contextmanager
def warehouse_connection(warehouse: Path):
    if not Path(warehouse).is_file():
        raise WarehouseUnavailable(f"no warehouse at {warehouse}: run `mmwatch build --date <day>` first")
    with read_warehouse(warehouse) as con:  # waits while a build writes it (mmwatch.warehouse_lock)
        yield con


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence = ()) -> list[dict]:
    try:
        cursor = con.execute(sql, list(params))
    except duckdb.CatalogException as error:
        raise WarehouseUnavailable(f"the warehouse has no marts yet ({str(error).splitlines()[0]}): run "
                                   "`mmwatch build --date <day>` first") from None
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _placeholders(values: Sequence) -> str:
    return ", ".join("?" for _ in values) or "null"


def snapshot_metrics(con, snapshot_ids: Sequence[str]) -> dict[str, dict]:
    """fct_orderbook_snapshot_metrics rows by snapshot_id (absent when that day is not built)."""
    rows = _rows(con, f"select * from fct_orderbook_snapshot_metrics where snapshot_id in ({_placeholders(snapshot_ids)})",
                 snapshot_ids)
    return {row["snapshot_id"]: row for row in rows}


def obligations_valid_on(con, exchange: str, market_type: str, symbol: str, day: str) -> list[dict]:
    """dim_obligations of the market whose validity holds `day` (valid_from inclusive, valid_to exclusive)."""
    return _rows(con, "select * from dim_obligations where exchange = ? and market_type = ? and symbol = ? "
                      "and valid_from <= cast(? as date) and (valid_to is null or cast(? as date) < valid_to) "
                      "order by obligation_id", [exchange, market_type, symbol, day, day])


def obligation_terms(con, obligation_id: str) -> dict | None:
    found = _rows(con, "select * from dim_obligations where obligation_id = ?", [obligation_id])
    return found[0] if found else None


def evaluations(con, snapshot_ids: Sequence[str], obligation_ids: Sequence[str]) -> dict[tuple[str, str], dict]:
    """int_obligation_snapshots_evaluated rows by (obligation_id, snapshot_id)."""
    if not snapshot_ids or not obligation_ids:
        return {}
    rows = _rows(con, f"select * from int_obligation_snapshots_evaluated where snapshot_id in "
                      f"({_placeholders(snapshot_ids)}) and obligation_id in ({_placeholders(obligation_ids)})",
                 [*snapshot_ids, *obligation_ids])
    return {(row["obligation_id"], row["snapshot_id"]): row for row in rows}


def evaluated_between(con, obligation_id: str, from_ms: int, to_ms: int) -> list[dict]:
    """The obligation's judged snapshots with from_ms <= ts <= to_ms, oldest first."""
    return _rows(con, "select * from int_obligation_snapshots_evaluated where obligation_id = ? and ts between ? and ? "
                      "order by ts, snapshot_id", [obligation_id, from_ms, to_ms])


def breach_episodes(con, obligation_id: str, day: str) -> list[dict]:
    return _rows(con, "select * from fct_mm_breach_episodes where obligation_id = ? and day = cast(? as date) "
                      "order by episode_number", [obligation_id, day])


def compliance_day(con, obligation_id: str, day: str) -> dict | None:
    found = _rows(con, "select * from fct_mm_compliance_daily where obligation_id = ? and day = cast(? as date)",
                  [obligation_id, day])
    return found[0] if found else None
