"""The data directory as a Dagster resource."""
from __future__ import annotations

from typing import Optional

import dagster as dg

from mmwatch.settings import DataDir


class DataDirResource(dg.ConfigurableResource):
    """Where landing, lake, warehouse and reports live.

    `path` unset means MMWATCH_DATA_DIR, else ./data (resolved when used, not
    at import time, so the same definitions serve every environment).
    """

    path: Optional[str] = None

    @property
    def data_dir(self) -> DataDir:
        """The resolved data directory layout."""
        return DataDir.from_env(self.path)
