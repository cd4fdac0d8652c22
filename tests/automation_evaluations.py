"""Real evaluations of Dagster's automation conditions, stored as the daemon stores them, for the tests of
the bounded evaluation history (pipelines/automation_history.py) on SQLite and PostgreSQL."""
from __future__ import annotations

import dagster as dg


@dg.asset(automation_condition=dg.AutomationCondition.missing())
def wanted() -> int:
    return 1


@dg.asset(automation_condition=dg.AutomationCondition.on_cron("0 0 * * *"))
def waiting() -> int:
    return 1


def store_evaluations(instance: dg.DagsterInstance, evaluation_id: int) -> None:
    """One tick's evaluations of both assets, stored as the daemon stores them: `wanted` requested, `waiting` not."""
    result = dg.evaluate_automation_conditions(defs=[wanted, waiting], instance=instance)
    evaluations = [r.serializable_evaluation.with_run_ids(set()) for r in result.results]
    assert sorted(e.num_requested for e in evaluations) == [0, 1]
    instance.schedule_storage.add_auto_materialize_asset_evaluations(evaluation_id, evaluations)


def stored(instance: dg.DagsterInstance) -> list[tuple[str, int]]:
    return sorted((r.key.to_user_string(), r.evaluation_id) for key in (wanted.key, waiting.key)
                  for r in instance.schedule_storage.get_auto_materialize_asset_evaluations(key, limit=100))
