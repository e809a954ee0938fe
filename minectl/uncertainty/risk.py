"""Risk measures of a loss sample and the seed's alpha mapping (seed 003, eqs 25-28).

Orientation: every measure here takes LOSSES (large = bad). For a revenue or a price,
pass its negative (or relative shortfall) and negate the result back.

Entropic risk with risk-aversion alpha in [-1, 1] and a scale s (units of the loss):
    rho_alpha(L) = (s / alpha) * ln E[exp(alpha * L / s)],   rho_0(L) = E[L]
alpha > 0 weights bad outcomes up (risk averse, rho >= E[L]); alpha < 0 weights them down
(risk seeking, rho <= E[L]); alpha -> 0 gives the mean. For a normal loss,
rho = mu + alpha * sigma^2 / (2 s); with s = sigma, alpha = 1 adds half a standard deviation.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import logsumexp

from minectl.errors import ConfigError
from minectl.uncertainty.bootstrap import check_series


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ConfigError(f"expected a confidence level in (0, 1), got {level}", param="level")


def value_at_risk(losses, level: float = 0.95) -> float:
    """Smallest loss l with P(L <= l) >= level (the empirical level-quantile)."""
    _check_level(level)
    return _empirical_quantile(check_series(losses, "losses", min_size=1), level)


def _empirical_quantile(x: np.ndarray, level: float) -> float:
    """The k-th smallest of ``x``, k = ceil(n x level) (numpy's inverted_cdf) for the decimal ``level`` written: in
    floating point 100 x 0.55 is 55.00000000000001, and numpy's ceil took the 56th of 100 (so at 0.07, 0.14, 0.28,
    0.55, 0.56 ... for some n). The product is lowered by 4 ulp, far less than the 0.01 by which n x a level of two
    decimals misses a whole number when it does."""
    k = max(1, math.ceil(x.size * level * (1 - 4 * np.finfo(float).eps)))
    return float(np.partition(x, k - 1)[k - 1])


def conditional_value_at_risk(losses, level: float = 0.95) -> float:
    """Rockafellar-Uryasev CVaR = VaR + E[(L - VaR)+] / (1 - level): mean of the worst (1-level) share."""
    _check_level(level)
    x = check_series(losses, "losses", min_size=1)
    var = _empirical_quantile(x, level)
    return var + float(np.mean(np.maximum(x - var, 0.0))) / (1.0 - level)


def check_alpha(alpha: float, name: str = "alpha") -> float:
    if not -1.0 <= alpha <= 1.0:
        raise ConfigError(f"expected a risk-aversion coefficient in [-1, 1], got {alpha}", param=name)
    return float(alpha)


def entropic_risk(losses, alpha: float, scale: float = 1.0) -> float:
    """(s/alpha) ln mean exp(alpha L / s), computed stably with logsumexp; the mean at alpha = 0."""
    check_alpha(alpha)
    if not scale > 0:
        raise ConfigError(f"expected a positive scale for the entropic risk, got {scale}", param="scale")
    x = check_series(losses, "losses", min_size=1)
    mean = float(x.mean())
    if alpha == 0:
        return mean
    # about the mean, whose share comes out exactly; ln mean e^y as log1p(mean(expm1 y)) keeps the digits of a
    # small alpha's tiny y, which logsumexp rounds into ln n (alpha 1e-16 gave 1041 for a mean of 999.5, and a
    # price up exactly the dead band, alpha -7e-16 in rolling_capacity, e_P 0 for -0.0043); logsumexp where e^y overflows
    y = alpha * (x - mean) / scale
    tilt = np.log1p(np.mean(np.expm1(y))) if y.max() < 700 else logsumexp(y) - np.log(y.size)
    return float(mean + scale / alpha * tilt)


def alpha_from_change(change: float, dead_band: float, lower: float, upper: float, orientation: str = "gain") -> float:
    """Risk-aversion coefficient from a relative change (eqs 27-28), all as fractions.

    |change| <= dead_band (U0) -> 0; beyond it alpha grows linearly to 1 in magnitude at the
    uncertainty limit (UU above, UL below, UL < 0 < UU) and stays at +-1 past it.
    A gain (price) that falls gives alpha > 0 (avoid risk), one that rises alpha < 0;
    a loss (cost) that rises gives alpha > 0.
    """
    if orientation not in ("gain", "loss"):
        raise ConfigError(f"expected 'gain' or 'loss', got '{orientation}'", param="orientation")
    if not lower < 0 < upper:
        raise ConfigError(f"expected UL < 0 < UU, got UL={lower}, UU={upper}", param="limits")
    if not 0 <= dead_band < min(-lower, upper):
        raise ConfigError(f"expected 0 <= U0 < min(-UL, UU), got {dead_band}", param="dead_band")
    if abs(change) <= dead_band:
        return 0.0
    limit = upper if change > 0 else -lower
    magnitude = min(1.0, (abs(change) - dead_band) / (limit - dead_band))
    rising = np.sign(change)
    return float(magnitude * rising * (1.0 if orientation == "loss" else -1.0))


def revenue_risk(last_level: float, log_returns: np.ndarray, output: float, level: float, alpha: float) -> dict:
    """Next period's revenue = output x last level x exp(log return), by historical simulation
    (every observed return applied to the last level): its mean, VaR, CVaR and entropic risk
    (revenue is a gain: the measures of its negative, negated back)."""
    revenue = output * last_level * np.exp(log_returns)
    return {
        "last_level": float(last_level),
        "expected": float(revenue.mean()),
        "var": -value_at_risk(-revenue, level),
        "cvar": -conditional_value_at_risk(-revenue, level),
        "entropic": -entropic_risk(-revenue, alpha, scale=float(revenue.std())),
    }
