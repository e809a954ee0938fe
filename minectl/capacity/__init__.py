"""Production capacity: technical limits, cost-capacity curves, cobweb prices, PCA, risk-adjusted optimum."""

from minectl.capacity.curves import (
    FORMS,
    Cobweb,
    CostCurve,
    curve_rows,
    fit_cobweb,
    fit_cost_curves,
)
from minectl.capacity.limits import (
    intensity_limit,
    links_limit,
    min_profitable_scale,
    reserves_limit,
    technical_limits,
)
from minectl.capacity.optimal import (
    CapacityDecision,
    lognormal_errors,
    optimal_capacity,
    risk_adjusted_error,
    rolling_capacity,
)
from minectl.capacity.pca import CostFactorPCA

__all__ = [
    "FORMS",
    "CapacityDecision",
    "Cobweb",
    "CostCurve",
    "CostFactorPCA",
    "curve_rows",
    "fit_cobweb",
    "fit_cost_curves",
    "intensity_limit",
    "links_limit",
    "lognormal_errors",
    "min_profitable_scale",
    "optimal_capacity",
    "reserves_limit",
    "risk_adjusted_error",
    "rolling_capacity",
    "technical_limits",
]
