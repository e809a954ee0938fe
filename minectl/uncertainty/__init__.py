"""Uncertainty of prices and costs: bootstrap, distribution fitting, propagation, risk measures."""

from minectl.uncertainty.bootstrap import BootstrapResult, bootstrap_ci, relative_range
from minectl.uncertainty.distributions import FAMILIES, FitResult, fit_all, fit_distribution
from minectl.uncertainty.propagation import analytic_range, analytic_uncertainty, monte_carlo_total
from minectl.uncertainty.risk import (
    alpha_from_change,
    conditional_value_at_risk,
    entropic_risk,
    value_at_risk,
)

__all__ = [
    "BootstrapResult",
    "FAMILIES",
    "FitResult",
    "alpha_from_change",
    "analytic_range",
    "analytic_uncertainty",
    "bootstrap_ci",
    "conditional_value_at_risk",
    "entropic_risk",
    "fit_all",
    "fit_distribution",
    "monte_carlo_total",
    "relative_range",
    "value_at_risk",
]
