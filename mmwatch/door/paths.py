"""The one way a landing or lake partition folder is named: <zone>/<data set>/day=<D>/exchange=<X>.

Nothing a capture or a venue says chooses a path: the door (`rules`) already refuses rows whose
exchange is not a venue, and days are computed from checked timestamps. This guard is the defence
behind it: every component must come from its allow-list (the zone's data sets, a real YYYY-MM-DD
day, a venue of mmwatch.venues), else PartitionPathError, and the folder must stay inside the zone.
"""
from __future__ import annotations

import os
import re
from collections.abc import Collection
from datetime import datetime
from pathlib import Path

from mmwatch.errors import MmwatchError
from mmwatch.venues import VENUES

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class PartitionPathError(MmwatchError):
    """A partition folder was asked for with a component outside its allow-list (a bug or hostile input)."""


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}... ({len(str(value))} characters)"


def _is_day(day: object) -> bool:
    if not isinstance(day, str) or not _DAY.fullmatch(day):
        return False
    try:
        datetime.strptime(day, "%Y-%m-%d")
    except ValueError:
        return False
    return True


def partition_folder(zone: Path, name: str, names: Collection[str], day: str, exchange: str) -> Path:
    """`zone`/`name`/day=`day`/exchange=`exchange`, after checking each component against its allow-list
    (`names`: the zone's data sets or tables); PartitionPathError names the first that is not."""
    if not isinstance(name, str) or name not in names:
        raise PartitionPathError(f"partition path refused: data set or table {_shown(name)} is not one of "
                                 f"{', '.join(sorted(names))}")
    if not _is_day(day):
        raise PartitionPathError(f"partition path refused: day {_shown(day)} is not a YYYY-MM-DD date")
    if not isinstance(exchange, str) or exchange not in VENUES:
        raise PartitionPathError(f"partition path refused: exchange {_shown(exchange)} is not a venue "
                                 f"({', '.join(VENUES)}, mmwatch/venues.py)")
    folder = zone / name / f"day={day}" / f"exchange={exchange}"
    # lexical (a zone folder may be a symlink to another disk); cannot fail after the checks above
    if not Path(os.path.normpath(folder)).is_relative_to(os.path.normpath(zone)):
        raise PartitionPathError(f"partition path refused: {folder} is outside {zone}")
    return folder
