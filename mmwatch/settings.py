"""Where mmwatch keeps its state: one data directory, default ./data.

Every path the project reads or writes is derived here, so that a single
environment variable (MMWATCH_DATA_DIR) moves the whole installation.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "MMWATCH_DATA_DIR"
DEFAULT_DATA_DIR = "./data"


@dataclass(frozen=True)
class DataDir:
    """The layout of the data directory.

    landing/   files written by the collector and by capture import (kept until the retention: mmwatch.landing.retention)
    lake/      validated raw Parquet, hive-partitioned by day and exchange
    quarantine/  landing files that cannot enter the lake, with their reasons (mmwatch.landing.quarantine)
    warehouse.duckdb  the dbt-duckdb warehouse (marts)
    alerts/health.duckdb  the health ledger (mmwatch.alerts.health_ledger)
    reports/   rendered daily compliance reports
    dagster_home/  local Dagster instance storage (runs, events, cursors)
    """

    root: Path

    @classmethod
    def from_env(cls, override: str | os.PathLike | None = None) -> "DataDir":
        raw = override or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR
        return cls(Path(raw).expanduser().resolve())

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def lake(self) -> Path:
        return self.root / "lake"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def health_ledger(self) -> Path:
        """The health alerts (heartbeat no data, stale assets) and the heartbeat's state: beside the
        warehouse, never in it, since dbt holds warehouse.duckdb while it builds."""
        return self.root / "alerts" / "health.duckdb"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"

    def landing_dir(self, dataset: str) -> Path:
        return self.landing / dataset

    def lake_dir(self, table: str) -> Path:
        return self.lake / table

    def ensure(self) -> "DataDir":
        for path in (self.landing, self.lake, self.reports, self.dagster_home):
            path.mkdir(parents=True, exist_ok=True)
        return self
