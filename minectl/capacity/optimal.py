"""Risk-adjusted optimal capacity (seed 003, sections 2.5-2.6 and 3.6).

Revenue with price and cost errors e_P, e_Z (fractions):
    R(Q) = (1 + e_P) P(Q) Q - (1 + e_Z) C(Q)
P(Q): price per unit output as a function of output (constant for a price taker, a falling
line from the cobweb demand side); C(Q): total cost (a fitted cost-capacity curve). The
errors come from the risk attitude: e = the entropic certainty equivalent (risk.py) of the
error distribution at alpha, with the error's standard deviation as the entropic scale, so
alpha = +-1 shifts a normal error by half a standard deviation against (alpha > 0) or
towards (alpha < 0) the planner. The optimum maximises R on the technical limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
from scipy import optimize, stats

from minectl.errors import ConfigError, DataError
from minectl.uncertainty.risk import alpha_from_change, check_alpha, entropic_risk

Curve = Callable[[np.ndarray], np.ndarray]
GRID_POINTS = 2001


def lognormal_errors(low: float, high: float, confidence: float = 0.95, size: int = 10001) -> np.ndarray:
    """Relative errors e with ln(1 + e) normal and its central `confidence` interval = (low, high).

    A deterministic sample: the (i - 0.5)/size quantiles, so results need no seed.
    """
    if not -1 < low < 0 < high:
        raise ConfigError(f"expected -1 < lower < 0 < upper (fractions), got [{low}, {high}]", param="error_range")
    z = stats.norm.ppf(0.5 + confidence / 2)
    if not np.isfinite(z):  # 0.5 + confidence / 2 rounds to 1: errors of no spread, refused as "a constant sample of errors"
        raise ConfigError(f"{confidence!r} is too close to 1: its normal quantile is infinite in floating point; expected a "
                          "coverage in (0, 1), at most 1 - 2.2e-16 (0.95 for 95 %)", param="confidence")
    lo, hi = np.log1p(low), np.log1p(high)
    mu, sigma = (lo + hi) / 2, (hi - lo) / (2 * z)
    probs = (np.arange(size) + 0.5) / size
    with np.errstate(over="ignore", invalid="ignore"):  # said below, naming the range, not as numpy's RuntimeWarning
        errors = np.expm1(mu + sigma * stats.norm.ppf(probs))
        spread = errors.std()
    if not np.isfinite(spread):  # an upper of 1e300: its tail overflows, which read as "too narrow" (std nan)
        raise ConfigError(f"[{low:g}, {high:g}] is too wide: the errors overflow in floating point; expected fractions that a "
                          "price or cost can move by (an upper of 10 is +1000 %)", param="error_range")
    if not spread > 0:  # their standard deviation is the entropic scale: its square underflows below ~1e-154
        raise ConfigError(f"[{low:g}, {high:g}] is too narrow: the errors' standard deviation is 0 in floating point; "
                          "expected fractions of at least 1e-150 either side", param="error_range")
    return errors


def risk_adjusted_error(errors, alpha: float, orientation: str) -> float:
    """Entropic certainty equivalent of relative errors; a gain error moves down, a loss error up, for alpha > 0."""
    check_alpha(alpha)
    e = np.asarray(errors, dtype=float)
    if e.size < 2 or np.ptp(e) == 0:
        raise DataError("errors: expected a non-constant sample of relative errors")
    scale = float(e.std())
    if orientation == "gain":
        return -entropic_risk(-e, alpha, scale)
    if orientation == "loss":
        return entropic_risk(e, alpha, scale)
    raise ConfigError(f"expected 'gain' or 'loss', got '{orientation}'", param="orientation")


def check_curves(price: Curve, cost: Curve, lower: float, upper: float) -> None:
    """Refuse a price curve with no positive price on [lower, upper] or a cost curve below 0 there:
    the optimum of such a revenue is a wrong value (revenue.price_coefs=[-300] gave one, unsaid)."""
    grid = np.linspace(lower, upper, GRID_POINTS)
    if np.all(price(grid) <= 0):
        raise ConfigError(f"P(Q) <= 0 on the whole technical range Q in [{lower:g}, {upper:g}] (P({lower:g}) = {price(lower):g}); "
                          "expected a price curve that is positive there", param="price_coefs")
    costs = cost(grid)
    if np.any(costs < 0):
        at = int(np.argmin(costs))
        raise ConfigError(f"C(Q) is negative inside the technical range Q in [{lower:g}, {upper:g}] (C({grid[at]:g}) = {costs[at]:g}); "
                          "expected total costs >= 0 there", param="cost_coefs")


def revenue(q, price: Curve, cost: Curve, e_price: float = 0.0, e_cost: float = 0.0):
    q = np.asarray(q, dtype=float)
    return (1 + e_price) * price(q) * q - (1 + e_cost) * cost(q)


def marginal_revenue(q: float, price: Curve, cost: Curve, e_price: float = 0.0, e_cost: float = 0.0) -> float:
    """dR/dQ by a central difference."""
    h = 1e-6 * max(1.0, abs(q))
    f = revenue(np.array([q - h, q + h]), price, cost, e_price, e_cost)
    return float((f[1] - f[0]) / (2 * h))


def maximise_revenue(price: Curve, cost: Curve, low: float, high: float, e_price=0.0, e_cost=0.0) -> float:
    """Output in [low, high] with the largest revenue: grid search, then refined between grid neighbours."""
    if not 0 <= low <= high:
        raise ConfigError(f"expected 0 <= lower <= upper, got ({low}, {high})", param="limits")
    if low == high:
        return float(low)
    grid = np.linspace(low, high, GRID_POINTS)
    best = int(np.argmax(revenue(grid, price, cost, e_price, e_cost)))
    a, b = grid[max(best - 1, 0)], grid[min(best + 1, GRID_POINTS - 1)]
    res = optimize.minimize_scalar(
        lambda q: -float(revenue(np.array([q]), price, cost, e_price, e_cost)[0]),
        bounds=(a, b),
        method="bounded",
        options={"xatol": 1e-10 * max(1.0, high)},
    )
    return float(res.x) if -res.fun >= revenue(np.array([grid[best]]), price, cost, e_price, e_cost)[0] else float(grid[best])


@dataclass(frozen=True)
class CapacityDecision:
    e_price: float
    e_cost: float
    optimal: float  # within [lower, upper]
    unconstrained: float  # within [0, search_upper); NaN when revenue still rises at search_upper (no optimum)
    marginal_revenue: float  # at the optimum
    revenue: float  # at the optimum
    binding: str  # "lower", "upper" or "interior"


def optimal_capacity(
    price: Curve,
    cost: Curve,
    lower: float,
    upper: float,
    e_price: float = 0.0,
    e_cost: float = 0.0,
    search_upper: Optional[float] = None,
) -> CapacityDecision:
    """Risk-adjusted optimum on the technical limits, and the unconstrained optimum next to it."""
    if not 0 <= lower <= upper:
        raise ConfigError(f"expected 0 <= lower <= upper, got ({lower}, {upper})", param="limits")
    q_opt = maximise_revenue(price, cost, lower, upper, e_price, e_cost)
    search_upper = search_upper or 4 * upper
    q_free = maximise_revenue(price, cost, 0.0, search_upper, e_price, e_cost)
    span = 1e-6 * max(1.0, upper)
    if q_free >= search_upper - 1e-6 * max(1.0, search_upper):  # revenue still rising where the search ends: no optimum
        q_free = float("nan")
    binding = "upper" if q_opt >= upper - span else "lower" if q_opt <= lower + span else "interior"
    return CapacityDecision(
        e_price=e_price,
        e_cost=e_cost,
        optimal=q_opt,
        unconstrained=q_free,
        marginal_revenue=marginal_revenue(q_opt, price, cost, e_price, e_cost),
        revenue=float(revenue(np.array([q_opt]), price, cost, e_price, e_cost)[0]),
        binding=binding,
    )


def rolling_capacity(
    prices,
    price: Curve,
    cost: Curve,
    lower: float,
    upper: float,
    price_errors,
    cost_errors,
    price_range: tuple[float, float],
    cost_range: tuple[float, float],
    dead_band: float = 0.05,
    costs=None,
) -> list[dict]:
    """Month-by-month optimum as prices (and optionally unit costs) move.

    Period t scales the price curve by p_t / p_0 (and the cost curve by c_t / c_0), maps the
    change since t-1 to alpha (eqs 27-28, dead band U0) and re-optimises with the errors at
    those alphas. Ranges are fractions (UL < 0 < UU).
    """
    p = np.asarray(prices, dtype=float)
    if p.size < 2:
        raise DataError(f"expected at least 2 prices, got {p.size}", param="prices")
    if np.any(p <= 0) or not np.all(np.isfinite(p)):
        bad = p[(p <= 0) | ~np.isfinite(p)]
        raise DataError(f"{bad.size} prices not positive and finite (first {bad[0]:g}); expected positive, finite prices", param="prices")
    c = np.ones_like(p) if costs is None else np.asarray(costs, dtype=float)
    if c.shape != p.shape or np.any(c <= 0) or not np.all(np.isfinite(c)):
        raise DataError(f"costs: expected {p.size} positive, finite unit costs aligned with the prices")
    rows = []
    for t in range(1, p.size):
        price_change, cost_change = p[t] / p[t - 1] - 1, c[t] / c[t - 1] - 1
        alpha_p = alpha_from_change(price_change, dead_band, *price_range, orientation="gain")
        alpha_z = alpha_from_change(cost_change, dead_band, *cost_range, orientation="loss")
        e_p = risk_adjusted_error(price_errors, alpha_p, "gain")
        e_z = risk_adjusted_error(cost_errors, alpha_z, "loss")
        price_t = lambda q, s=p[t] / p[0]: s * price(q)  # noqa: E731 - bind this period's scale
        cost_t = lambda q, s=c[t] / c[0]: s * cost(q)  # noqa: E731
        decision = optimal_capacity(price_t, cost_t, lower, upper, e_p, e_z)
        rows.append(
            {
                "period": t,
                "price": float(p[t]),
                "price_change": float(price_change),
                "alpha_price": alpha_p,
                "e_price": e_p,
                "cost_change": float(cost_change),
                "alpha_cost": alpha_z,
                "e_cost": e_z,
                "optimal": decision.optimal,
                "unconstrained": decision.unconstrained,
                "binding": decision.binding,
            }
        )
    return rows
