"""Full-cost accounting (seed 000, section 3.2): mapping, ledger q x p, daily structure,
anomalies and their attribution by declarative rules. Pure functions over polars frames."""

from minectl.costing.anomalies import find_anomalies, rule_hits, rules_from_config, zscore_hits
from minectl.costing.ledger import build_ledger, price_schedule
from minectl.costing.mapping import CostMapping
from minectl.costing.structure import daily_structure

__all__ = [
    "CostMapping",
    "build_ledger",
    "daily_structure",
    "find_anomalies",
    "price_schedule",
    "rule_hits",
    "rules_from_config",
    "zscore_hits",
]
