"""Propagation of item uncertainties to a total (seed 003, eqs 20-23) and by Monte Carlo.

Analytical, for relative uncertainties U_i (fractions of |x_i|, e.g. 0.1079):
  product  E = prod x_i:  U_total = sqrt(sum U_i^2)                      (eq 22)
  sum      E = sum x_i:   U_total = sqrt(sum (w_i U_i)^2), w_i = x_i / sum x  (eq 23; a credit's x_i < 0)
Asymmetric ranges (the seed's -13.05 % / +27.68 %) are propagated side by side: lower
magnitudes with lower magnitudes, upper with upper. An interval of a mean time between events
maps to one of a cost per period (c x H / MTBF).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from minectl.data.values import constant_up_to_rounding
from minectl.errors import ConfigError, DataError
from minectl.uncertainty.distributions import fit_all

COMBINE = ("sum", "product")


class FixedItem:
    """A cost item of one value (a rent, a licence fee): no spread to fit a distribution to; it adds its
    value to every Monte Carlo total, as a frozen scipy distribution of zero width would."""

    def __init__(self, value: float) -> None:
        self.value = value

    def mean(self) -> float:
        return self.value

    def ppf(self, q: np.ndarray) -> np.ndarray:
        return np.full_like(np.asarray(q, dtype=float), self.value)


def _check_combine(combine: str) -> None:
    if combine not in COMBINE:
        raise ConfigError(f"expected one of {', '.join(COMBINE)}, got '{combine}'", param="combine")


def analytic_uncertainty(uncertainties, combine: str = "sum", weights=None) -> float:
    """Relative uncertainty of a sum (weighted by shares) or a product of independent items."""
    _check_combine(combine)
    u = np.asarray(uncertainties, dtype=float)
    if u.size == 0:
        raise DataError("uncertainties: expected at least one item")
    if np.any(u < 0) or not np.all(np.isfinite(u)):
        raise DataError("uncertainties: expected finite non-negative magnitudes (fractions)")
    if combine == "product":
        return float(np.sqrt(np.sum(u**2)))
    if weights is None:
        raise ConfigError("a sum needs each item's share of the total (eq 23)", param="weights")
    w = np.asarray(weights, dtype=float)
    # a credit (a by-product sold, a rebate) is a negative share: squared below, its deviation counts
    # as any item's (it was refused, after every bootstrap and fit of the run)
    if w.shape != u.shape or not np.all(np.isfinite(w)) or w.sum() == 0:
        raise ConfigError(f"expected {u.size} finite shares (the items' means) with a non-zero sum", param="weights")
    w = w / w.sum()
    return float(np.sqrt(np.sum((w * u) ** 2)))


def analytic_range(lower_pct, upper_pct, combine: str = "sum", weights=None) -> tuple[float, float]:
    """(lower %, upper %) of the total from each item's (lower %, upper %) range; a product's items' means are
    ``weights`` too, their signs telling its credits."""
    low, high = np.abs(np.asarray(lower_pct, float)) / 100, np.abs(np.asarray(upper_pct, float)) / 100
    if combine == "product" and weights is not None:
        # a product's size is its items' sizes multiplied: a credit's low end (below its negative mean) is its
        # largest size, so it goes with the other items' high ends; paired low with low, a credit times tonnes
        # gave -90 % / +92 % where the Monte Carlo gave -116 % / +66 %
        credit = np.asarray(weights, float) < 0
        smaller = analytic_uncertainty(np.where(credit, high, low), combine)
        larger = analytic_uncertainty(np.where(credit, low, high), combine)
        # an odd count of credits makes the total negative: its low end is its largest size
        return (-100 * larger, 100 * smaller) if credit.sum() % 2 else (-100 * smaller, 100 * larger)
    low, high = analytic_uncertainty(low, combine, weights), analytic_uncertainty(high, combine, weights)
    return -100 * low, 100 * high


def normal_scores_correlation(data: np.ndarray) -> np.ndarray:
    """Correlation of van der Waerden normal scores: the Gaussian copula's parameter."""
    ranks = stats.rankdata(data, axis=0)
    scores = stats.norm.ppf(ranks / (data.shape[0] + 1))
    return np.corrcoef(scores, rowvar=False)


def monte_carlo_total(
    marginals,
    combine: str = "sum",
    n_samples: int = 100_000,
    correlation=None,
    random_state: int = 0,
) -> np.ndarray:
    """Sample the total from frozen scipy marginals; a Gaussian copula when `correlation` is given."""
    _check_combine(combine)
    k = len(marginals)
    if k == 0:
        raise DataError("marginals: expected at least one item")
    rng = np.random.default_rng(random_state)
    z = rng.standard_normal((n_samples, k))
    if correlation is not None:
        corr = np.asarray(correlation, dtype=float)
        if corr.shape != (k, k):
            raise ConfigError(f"expected a {k}x{k} matrix", param="correlation")
        # eigenvalue floor keeps a sample correlation from few rows usable; rows rescaled to unit variance
        vals, vecs = np.linalg.eigh((corr + corr.T) / 2)
        factor = vecs * np.sqrt(np.clip(vals, 1e-12, None))
        factor /= np.sqrt(np.sum(factor**2, axis=1, keepdims=True))
        z = z @ factor.T
    u = stats.norm.cdf(z)
    items = np.column_stack([m.ppf(u[:, j]) for j, m in enumerate(marginals)])
    return items.sum(axis=1) if combine == "sum" else items.prod(axis=1)


def check_items(data: np.ndarray, items: list[str], combine: str, where: str) -> None:
    """Refuse, before any output, a product with an item of zeros: the total is 0 in every draw, and its range in %
    of 0 was NaN (after a numpy warning) beside an analytic range of the other items', exit 0."""
    zeros = [item for item, column in zip(items, data.T, strict=True) if not column.any()]
    if combine == "product" and zeros:
        raise DataError(f"{where}: cost item '{zeros[0]}' is 0 in every row, so their product is 0, whose range in % is "
                        "undefined; expected items with values other than 0 with dataset.combine=product (or leave it out)")


def propagate_items(
    data: np.ndarray,
    items: list[str],
    *,
    families: Sequence[str],
    combine: str,
    confidence: float,
    n_samples: int,
    copula: bool,
    random_state: int,
    where: str,
) -> tuple[list[dict], dict]:
    """Each item's best-fitting distribution and central ``confidence`` range (the columns of
    ``data``), and the total's range analytically and by Monte Carlo (a Gaussian copula of the
    items' normal-score correlation when ``copula``): (table rows, metrics). An item of one value
    (up to rounding) is a fixed cost: family ``fixed``, a range of 0 %."""
    tails = ((1 - confidence) / 2, (1 + confidence) / 2)
    fixed = constant_up_to_rounding(data, axis=0)
    rows, marginals = [], []
    for j, item in enumerate(items):
        if fixed[j]:
            value = float(data[:, j].mean())
            rows.append({"item": item, "family": "fixed", "mean": value, "range_low_pct": 0.0, "range_high_pct": 0.0})
            marginals.append(FixedItem(value))
            continue
        best = fit_all(data[:, j], tuple(families), name=f"{where}: {item}")[0].frozen()
        mean = best.mean()
        # % of |mean|: the low end of a credit (negative mean) lies below it too
        low, high = (100 * (best.ppf(t) / mean - 1) * np.sign(mean) for t in tails)
        rows.append({"item": item, "family": best.dist.name, "mean": mean, "range_low_pct": low, "range_high_pct": high})
        marginals.append(best)
    shares = [r["mean"] for r in rows]
    a_low, a_high = analytic_range([r["range_low_pct"] for r in rows], [r["range_high_pct"] for r in rows], combine, shares)
    corr = None
    if copula:  # among the items that vary: a fixed item's ranks are all tied (no correlation), and its draws one value
        corr, varying = np.eye(len(items)), np.flatnonzero(~fixed)
        corr[np.ix_(varying, varying)] = normal_scores_correlation(data[:, varying])
    total = monte_carlo_total(marginals, combine, n_samples, corr, random_state)
    t_mean = float(total.mean())
    m_low, m_high = (100 * (np.quantile(total, t) / t_mean - 1) * np.sign(t_mean) for t in tails)
    rows.append({"item": "total (analytic)", "family": "", "mean": float("nan"), "range_low_pct": a_low, "range_high_pct": a_high})
    rows.append({"item": "total (monte carlo)", "family": "", "mean": t_mean, "range_low_pct": m_low, "range_high_pct": m_high})
    metrics = {
        "analytic": {"range_low_pct": a_low, "range_high_pct": a_high},
        "monte_carlo": {"mean": t_mean, "range_low_pct": m_low, "range_high_pct": m_high},
    }
    return rows, metrics


def implied_cost(estimate: float, low: float, high: float, cost_per_event: float, operating_hours: float) -> dict:
    """cost = c x H / MTBF from a mean time between events and its interval; decreasing in MTBF, so the ends swap."""
    if operating_hours <= 0:
        raise ConfigError("expected positive hours when cost_per_event is set", param="operating_hours")
    if low <= 0:  # e.g. a basic interval: 2 x estimate - high, below 0 for a skewed sample
        raise ConfigError(f"implied_cost: the interval of the mean time between events reaches {low:.6g} (<= 0), which no "
                          "cost c x H / MTBF maps; expected a positive interval (uncertainty.method=percentile or bca)")
    scale = cost_per_event * operating_hours
    cost, cost_low, cost_high = scale / estimate, scale / high, scale / low
    return {
        "cost": cost,
        "low": cost_low,
        "high": cost_high,
        "range_low_pct": 100 * (cost_low / cost - 1),
        "range_high_pct": 100 * (cost_high / cost - 1),
    }
