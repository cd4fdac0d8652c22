"""raw_orderbooks: validated order-book snapshots in the lake."""
from assets.raw.factory import build_raw_asset
from mmwatch.lake.raw_partition import RawTable
from mmwatch.lake.raw_rules import prepare_orderbooks
from mmwatch.schemas import LAKE_ORDERBOOKS

ORDERBOOKS = RawTable(
    name="raw_orderbooks",
    dataset="orderbooks",
    lake_schema=LAKE_ORDERBOOKS,
    key_columns=("snapshot_id",),
    day_column="ts",
    prepare=prepare_orderbooks,
    row_noun="snapshots",
)

raw_orderbooks = build_raw_asset(
    ORDERBOOKS,
    "Order-book snapshots from landing: ts resolved, snapshot_id, validity of spec §1 "
    "(invalid snapshots kept with invalid_reason), duplicates dropped.",
)
