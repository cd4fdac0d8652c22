"""raw_fetch_errors: failed fetches (never stored as empty books)."""
from assets.raw.factory import build_raw_asset
from mmwatch.lake.raw_partition import RawTable
from mmwatch.lake.raw_rules import prepare_fetch_errors
from mmwatch.schemas import LAKE_FETCH_ERRORS

FETCH_ERRORS = RawTable(
    name="raw_fetch_errors",
    dataset="fetch_errors",
    lake_schema=LAKE_FETCH_ERRORS,
    key_columns=tuple(LAKE_FETCH_ERRORS),  # no id: identical rows are one error
    day_column="received_ts",
    prepare=prepare_fetch_errors,
    row_noun="errors",
)

raw_fetch_errors = build_raw_asset(
    FETCH_ERRORS,
    "Failed fetches from landing (exchange, market, data set, error class), partitioned by "
    "the UTC day of received_ts.",
)
