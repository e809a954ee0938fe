"""Uncertainty of prices and costs: bootstrap, distribution fitting, propagation, risk measures."""

from minectl.uncertainty.analysis import analyse_series
from minectl.uncertainty.bootstrap import BootstrapResult, bootstrap_ci, relative_range
from minectl.uncertainty.distributions import (
    FAMILIES,
    FitResult,
    fit_all,
    fit_distribution,
)
from minectl.uncertainty.propagation import (
    analytic_range,
    analytic_uncertainty,
    implied_cost,
    monte_carlo_total,
    propagate_items,
)
from minectl.uncertainty.risk import (
    alpha_from_change,
    conditional_value_at_risk,
    entropic_risk,
    revenue_risk,
    value_at_risk,
)

__all__ = [
    "FAMILIES",
    "BootstrapResult",
    "FitResult",
    "alpha_from_change",
    "analyse_series",
    "analytic_range",
    "analytic_uncertainty",
    "bootstrap_ci",
    "conditional_value_at_risk",
    "entropic_risk",
    "fit_all",
    "fit_distribution",
    "implied_cost",
    "monte_carlo_total",
    "propagate_items",
    "relative_range",
    "revenue_risk",
    "value_at_risk",
]
