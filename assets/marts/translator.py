"""How dbt resources appear in Dagster: keys, groups, partition mappings, automation, freshness."""
from collections.abc import Mapping
from typing import Any, Optional

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from assets.conditions import RAW_GROUP, REPORT_KEY, mart
from assets.freshness import freshness_of

LAKE_SOURCE = "lake"  # dbt source whose tables are the raw assets


def _is_lake_source(props: Mapping[str, Any]) -> bool:
    return props.get("resource_type") == "source" and props.get("source_name") == LAKE_SOURCE


class MmwatchDbtTranslator(DagsterDbtTranslator):
    """dbt source `lake.raw_orderbooks` -> asset `raw_orderbooks` (so marts sit downstream of the
    raw assets); groups per layer (staging, intermediate, marts, seeds); a mart's day reads the
    raw partitions of that day (all exchanges) through the `date` dimension. Every model and seed
    gets the `mart` automation condition and, when it reads the lake, the freshness policy of its
    fastest lake input (assets/freshness.py). dbt tests are asset checks (run by every build that
    recomputes a day: assets/marts/dbt_assets.py)."""

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
        self._lake_inputs: dict[tuple[int, str], frozenset[str]] = {}
        self._run_tails: dict[int, tuple[dg.AssetKey, ...]] = {}

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if _is_lake_source(dbt_resource_props):
            return dg.AssetKey(dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if _is_lake_source(dbt_resource_props):
            return RAW_GROUP
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

    def lake_inputs(self, manifest: Mapping[str, Any], unique_id: str) -> frozenset[str]:
        """The lake tables a dbt node reads, directly or through other models."""
        memo = (id(manifest), unique_id)
        if memo not in self._lake_inputs:
            if unique_id.startswith("source."):
                props = manifest["sources"][unique_id]
                found = frozenset([props["name"]]) if _is_lake_source(props) else frozenset()
            else:
                found = frozenset().union(*(self.lake_inputs(manifest, parent)
                                            for parent in manifest["parent_map"].get(unique_id, [])))
            self._lake_inputs[memo] = found
        return self._lake_inputs[memo]

    def run_tails(self, manifest: Mapping[str, Any]) -> tuple[dg.AssetKey, ...]:
        """The marts' last nodes: every dbt model or seed that no other model, seed or snapshot reads
        (tests do not count), and the HTML report."""
        if id(manifest) not in self._run_tails:
            built = ("model.", "seed.", "snapshot.")
            children = manifest["child_map"]
            leaves = sorted(node for node in manifest["nodes"] if node.startswith(built)
                            and not any(child.startswith(built) for child in children.get(node, [])))
            keys = [self.get_asset_key(manifest["nodes"][node]) for node in leaves]
            self._run_tails[id(manifest)] = (*keys, REPORT_KEY)
        return self._run_tails[id(manifest)]

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str,
                       project: Optional[DbtProject]) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if unique_id.startswith("source."):
            return spec
        direct = [manifest["sources"][parent]["name"] for parent in manifest["parent_map"].get(unique_id, [])
                  if parent.startswith("source.") and _is_lake_source(manifest["sources"][parent])]
        return spec.replace_attributes(automation_condition=mart(direct),
                                       freshness_policy=freshness_of(self.lake_inputs(manifest, unique_id)))
