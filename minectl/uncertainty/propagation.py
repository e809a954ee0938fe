"""Propagation of item uncertainties to a total (seed 003, eqs 20-23) and by Monte Carlo.

Analytical, for relative uncertainties U_i (fractions, e.g. 0.1079):
  product  E = prod x_i:  U_total = sqrt(sum U_i^2)                      (eq 22)
  sum      E = sum x_i:   U_total = sqrt(sum (w_i U_i)^2), w_i = x_i / sum x  (eq 23)
Asymmetric ranges (the seed's -13.05 % / +27.68 %) are propagated side by side: lower
magnitudes with lower magnitudes, upper with upper.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from minectl.errors import ConfigError, DataError

COMBINE = ("sum", "product")


def _check_combine(combine: str) -> None:
    if combine not in COMBINE:
        raise ConfigError(f"combine: expected one of {', '.join(COMBINE)}, got '{combine}'")


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
        raise ConfigError("weights: a sum needs each item's share of the total (eq 23)")
    w = np.asarray(weights, dtype=float)
    if w.shape != u.shape or np.any(w < 0) or w.sum() <= 0:
        raise ConfigError(f"weights: expected {u.size} non-negative shares with a positive sum")
    w = w / w.sum()
    return float(np.sqrt(np.sum((w * u) ** 2)))


def analytic_range(lower_pct, upper_pct, combine: str = "sum", weights=None) -> tuple[float, float]:
    """(lower %, upper %) of the total from each item's (lower %, upper %) range."""
    low = analytic_uncertainty(np.abs(np.asarray(lower_pct, float)) / 100, combine, weights)
    high = analytic_uncertainty(np.abs(np.asarray(upper_pct, float)) / 100, combine, weights)
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
            raise ConfigError(f"correlation: expected a {k}x{k} matrix")
        # eigenvalue floor keeps a sample correlation from few rows usable; rows rescaled to unit variance
        vals, vecs = np.linalg.eigh((corr + corr.T) / 2)
        factor = vecs * np.sqrt(np.clip(vals, 1e-12, None))
        factor /= np.sqrt(np.sum(factor**2, axis=1, keepdims=True))
        z = z @ factor.T
    u = stats.norm.cdf(z)
    items = np.column_stack([m.ppf(u[:, j]) for j, m in enumerate(marginals)])
    return items.sum(axis=1) if combine == "sum" else items.prod(axis=1)
