"""Is a series autocorrelated, and if so how long should bootstrap blocks be?

- lag-1 autocorrelation and the Ljung-Box test (Ljung and Box 1978):
  Q = n (n + 2) sum_{k=1..h} r_k^2 / (n - k), chi-square with h degrees of freedom under
  independence, r_k the lag-k sample autocorrelation (autocovariances over n, mean removed).
- the automatic block length of Politis and White (2004), with the correction of Patton,
  Politis and White (2009): b = (2 G^2 / D)^(1/3) n^(1/3), G = sum_k lambda(k/M) |k| R(k),
  D = 4/3 (sum_k lambda(k/M) R(k))^2 for circular / moving blocks, lambda the flat-top kernel,
  M = 2 m_hat where m_hat is the first lag after which K_n = max(5, log10 n) autocorrelations in
  a row are insignificant (|r| < 2 sqrt(log10 n / n)); capped at min(3 sqrt n, n / 3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2


def autocovariances(x: np.ndarray, max_lag: int) -> np.ndarray:
    """R(0..max_lag) of x, mean removed, each sum divided by n (the biased, positive-definite estimate)."""
    x = np.asarray(x, dtype=float)
    eps = x - x.mean()
    n = eps.size
    return np.array([eps[k:] @ eps[: n - k] / n for k in range(max_lag + 1)])


def _scaled(x: np.ndarray) -> np.ndarray:
    """``x`` divided by the power of two nearest its largest |value|: autocorrelations and the block
    length are ratios of autocovariances, unchanged by it to the last bit (only exponents change),
    while the fourth powers of values near 1e150 (G^2 and D below) overflowed to inf / inf = NaN."""
    x = np.asarray(x, dtype=float)
    top = float(np.abs(x).max()) if x.size else 0.0
    return x if top == 0 or not np.isfinite(top) else np.ldexp(x, -int(np.frexp(top)[1]))


def autocorrelations(x: np.ndarray, max_lag: int) -> np.ndarray:
    """r(1..max_lag)."""
    acv = autocovariances(_scaled(x), max_lag)
    return acv[1:] / acv[0] if acv[0] > 0 else np.zeros(max_lag)


def default_lags(n: int) -> int:
    """Ljung-Box lags: min(10, n // 5), at least 1 (a common rule for short series)."""
    return max(1, min(10, n // 5))


def ljung_box(x: np.ndarray, lags: int) -> tuple[float, float]:
    """(Q, p-value) of the Ljung-Box test over lags 1..``lags``."""
    n = len(x)
    r = autocorrelations(x, lags)
    q = float(n * (n + 2) * np.sum(r**2 / (n - np.arange(1, lags + 1))))
    return q, float(chi2.sf(q, lags))


def _flat_top(s: float) -> float:
    s = abs(s)
    return 1.0 if s <= 0.5 else (2.0 * (1.0 - s) if s <= 1.0 else 0.0)


def politis_white_block(x: np.ndarray) -> float:
    """The automatic block length (a real number >= 1) for a circular / moving-block bootstrap of the mean."""
    x = _scaled(x)
    n = x.size
    b_max = math.ceil(min(3 * math.sqrt(n), n / 3))
    k_n = max(5, int(math.log10(n)))
    m_max = math.ceil(math.sqrt(n)) + k_n
    critical = 2 * math.sqrt(math.log10(n) / n)
    acv = autocovariances(x, min(m_max, n - 1))
    if acv[0] <= 0:
        return 1.0
    rho = np.abs(acv[1:] / acv[0])
    m_hat = None
    for first in range(1, len(rho) - k_n + 2):  # lags first .. first + k_n - 1 all insignificant
        if np.all(rho[first - 1 : first - 1 + k_n] < critical):
            m_hat = first - 1
            break
    big_m = min(2 * max(m_hat, 1), len(acv) - 1) if m_hat is not None else len(acv) - 1
    weights = np.array([_flat_top(k / big_m) for k in range(1, big_m + 1)])
    lags = np.arange(1, big_m + 1)
    g = 2 * np.sum(weights * lags * acv[1 : big_m + 1])
    long_run = acv[0] + 2 * np.sum(weights * acv[1 : big_m + 1])
    if long_run <= 0 or g == 0:
        return 1.0
    d = 4.0 / 3.0 * long_run**2
    return float(min(max((2 * g**2 / d) ** (1 / 3) * n ** (1 / 3), 1.0), b_max))


@dataclass(frozen=True)
class Dependence:
    """What the test found and which bootstrap follows from it."""

    acf1: float
    ljung_box_q: float
    ljung_box_pvalue: float
    lags: int
    autocorrelated: bool
    block_length: int | None  # None: an i.i.d. bootstrap
    chosen: str  # fixed (by the user) | automatic (Politis-White) | iid

    def as_metrics(self) -> dict:
        return {"acf1": self.acf1, "ljung_box_pvalue": self.ljung_box_pvalue, "autocorrelated": self.autocorrelated,
                "block_length": self.block_length}


def choose_bootstrap(x: np.ndarray, fixed_block: int | None, alpha: float, automatic: bool) -> Dependence:
    """Test ``x`` at level ``alpha``; the block length is ``fixed_block`` when given, else the
    Politis-White length (at least 2) when autocorrelated and ``automatic``, else i.i.d."""
    lags = default_lags(len(x))
    q, p = ljung_box(x, lags)
    autocorrelated = p < alpha
    if fixed_block is not None:
        block, chosen = fixed_block, "fixed"
    elif autocorrelated and automatic:
        block, chosen = max(2, round(politis_white_block(x))), "automatic"
    else:
        block, chosen = None, "iid"
    return Dependence(float(autocorrelations(x, 1)[0]), q, p, lags, autocorrelated, block, chosen)


def dependence_line(label: str, dependence: Dependence) -> str:
    """One line for the terminal: the test, and the bootstrap it led to."""
    p = dependence.ljung_box_pvalue
    found = (f"{label}: lag-1 ACF {dependence.acf1:.2f}, Ljung-Box ({dependence.lags} lags) p "
             + (f"{p:.3g}" if p >= 1e-4 else "< 1e-4"))
    if dependence.chosen == "automatic":
        return f"[yellow]{found}: autocorrelated, moving blocks of {dependence.block_length} (Politis-White)[/yellow]"
    if dependence.chosen == "fixed":
        return f"{found}: moving blocks of {dependence.block_length} (uncertainty.block_length)"
    return f"{found}: no autocorrelation found, i.i.d. bootstrap"
