"""How dbt resources appear in Dagster: keys, groups, partition mappings."""
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

LAKE_SOURCE = "lake"  # dbt source whose tables are the raw assets


def _is_lake_source(props: Mapping[str, Any]) -> bool:
    return props.get("resource_type") == "source" and props.get("source_name") == LAKE_SOURCE


class MmwatchDbtTranslator(DagsterDbtTranslator):
    """dbt source `lake.raw_orderbooks` -> asset `raw_orderbooks` (so marts sit downstream of the
    raw assets); groups per layer (staging, intermediate, marts, seeds); a mart's day reads the
    raw partitions of that day (all exchanges) through the `date` dimension."""

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if _is_lake_source(dbt_resource_props):
            return dg.AssetKey(dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if _is_lake_source(dbt_resource_props):
            return "raw"
        if dbt_resource_props.get("resource_type") == "seed":
            return "seeds"
        fqn = dbt_resource_props.get("fqn", [])
        # fqn = [project, layer folder, ..., model name]
        return fqn[1] if len(fqn) > 2 else "marts"

    def get_partition_mapping(
        self, dbt_resource_props: Mapping[str, Any], dbt_parent_resource_props: Mapping[str, Any]
    ) -> dg.PartitionMapping | None:
        if _is_lake_source(dbt_parent_resource_props):
            return dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="date")
        return None
