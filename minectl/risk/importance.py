"""Permutation importance on the test part, one score per indicator (all its window columns
shuffled together across samples)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def grouped_permutation_importance(
    score_fn: Callable[[np.ndarray], float], X: np.ndarray, groups: dict[str, np.ndarray],
    n_repeats: int, seed: int,
) -> dict[str, float]:
    """Mean drop of ``score_fn(X)`` when the columns of each group are permuted (same row order
    for all of a group's columns, so the window stays intact)."""
    rng = np.random.default_rng(seed)
    reference = score_fn(X)
    importance = {}
    for name, columns in groups.items():
        drops = []
        for _ in range(n_repeats):
            shuffled = X.copy()
            shuffled[:, columns] = X[rng.permutation(len(X))][:, columns]
            drops.append(reference - score_fn(shuffled))
        importance[name] = float(np.mean(drops))
    return importance
