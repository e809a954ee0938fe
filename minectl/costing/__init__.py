"""Full-cost accounting (seed 000, section 3.2): mapping, ledger q x p, daily structure,
anomalies and their attribution by declarative rules. Pure functions over polars frames."""

from minectl.costing.anomalies import (
    Condition,
    Rule,
    find_anomalies,
    rule_hits,
    rules_from_config,
    zscore_hits,
)
from minectl.costing.ledger import build_ledger, price_schedule
from minectl.costing.mapping import (
    CATEGORIES,
    STAGES,
    Activity,
    CostMapping,
    PricePoint,
    Resource,
)
from minectl.costing.pipeline import FullCost, cost_metrics, full_cost
from minectl.costing.structure import daily_structure

__all__ = [
    "CATEGORIES",
    "STAGES",
    "Activity",
    "Condition",
    "CostMapping",
    "FullCost",
    "PricePoint",
    "Resource",
    "Rule",
    "build_ledger",
    "cost_metrics",
    "daily_structure",
    "find_anomalies",
    "full_cost",
    "price_schedule",
    "rule_hits",
    "rules_from_config",
    "zscore_hits",
]
