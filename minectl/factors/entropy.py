"""The entropy weight method (seed 001 eqs 18-19) on a decision matrix (rows: alternatives or
experts, columns: indicators), and the comparison of two rankings (seed 001 Table 12)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from minectl.data.values import constant_up_to_rounding
from minectl.errors import DataError


def entropy_weights(matrix: np.ndarray, columns: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(weights, entropies) per column: min-max normalise each column to [0, 1], P_ij = x_ij / sum_i x_ij,
    E_j = -1/ln(n) sum_i P_ij ln P_ij (0 ln 0 = 0), W_j = (1 - E_j) / (m - sum_j E_j). ``columns``: their
    names, for messages (else their 1-based numbers)."""
    x = np.asarray(matrix, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 1 or not np.isfinite(x).all():
        raise DataError(f"a decision matrix of shape {x.shape}; expected finite numbers, at least 2 rows and 1 column")
    low, high = x.min(0), x.max(0)
    flat = constant_up_to_rounding(x, axis=0)  # a spread of rounding noise (0.3 beside 0.1 + 0.2) scaled to [0, 1] took the largest weight
    if flat.any():
        constant = ", ".join(repr(columns[j]) if columns else str(j + 1) for j in np.flatnonzero(flat))
        raise DataError(f"column(s) {constant} of the decision matrix are constant (up to rounding); expected some spread in every "
                        "indicator")
    scaled = (x - low) / (high - low)
    p = scaled / scaled.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    entropy = -plogp.sum(0) / np.log(x.shape[0])
    return (1 - entropy) / (x.shape[1] - entropy.sum()), entropy


def compare_rankings(names: Sequence[str], first: Sequence[float], second: Sequence[float],
                     labels: tuple[str, str]) -> tuple[pl.DataFrame, float]:
    """Both scores, their ranks (1 = largest), the rank difference, and Spearman's rho of the scores."""
    from scipy.stats import rankdata, spearmanr

    a, b = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    rank_a, rank_b = rankdata(-a, method="min"), rankdata(-b, method="min")
    frame = pl.DataFrame({"factor": list(names), labels[0]: a, f"{labels[0]}_rank": rank_a.astype(np.int64),
                          labels[1]: b, f"{labels[1]}_rank": rank_b.astype(np.int64),
                          "rank_difference": (rank_a - rank_b).astype(np.int64)})
    rho = float(spearmanr(a, b).statistic) if np.ptp(a) > 0 and np.ptp(b) > 0 else float("nan")
    return frame, rho
