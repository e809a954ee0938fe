"""Permutation importance on the test part, one score per indicator (all its window columns
shuffled together across samples)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from minectl.risk.evaluate import macro_f1
from minectl.risk.workflow import Layout, LeadResult, predict_levels


def grouped_permutation_importance(
    score_fn: Callable[[np.ndarray], float], X: np.ndarray, groups: dict[str, np.ndarray],
    n_repeats: int, seed: int,
) -> dict[str, float]:
    """Mean drop of ``score_fn(X)`` when the columns of each group are permuted (same row order
    for all of a group's columns, so the window stays intact)."""
    rng = np.random.default_rng(seed)
    reference = score_fn(X)
    importance = {}
    # one working copy; only the group's columns are gathered and put back (a full copy and
    # permuted copy of X per repeat cost more than the predictions on a wide window)
    shuffled = X.copy()
    for name, columns in groups.items():
        drops = []
        for _ in range(n_repeats):
            shuffled[:, columns] = X[rng.permutation(len(X))[:, None], columns]
            drops.append(reference - score_fn(shuffled))
        shuffled[:, columns] = X[:, columns]
        importance[name] = float(np.mean(drops))
    return importance


def indicator_importance(result: LeadResult, layout: Layout, n_repeats: int, seed: int) -> pl.DataFrame:
    """Test macro-F1 drop per indicator (its whole window) and static feature, largest first."""
    _, _, test = result.split
    X = result.scaler.transform(result.dataset.samples.X)[test]
    y = result.dataset.samples.y[test]
    f = len(layout.dynamic)
    groups = {name: np.arange(i, f * layout.window, f) for i, name in enumerate(layout.dynamic)}
    groups |= {name: np.array([f * layout.window + j]) for j, name in enumerate(layout.static)}

    def f1(Z):  # classification_metrics' f1_macro, without the AUCs and accuracy it also computes (160 calls)
        _, _, levels = predict_levels(result.model, Z, result.thetas, layout.n_levels)
        return macro_f1(y, levels)

    drops = grouped_permutation_importance(f1, X, groups, n_repeats, seed)
    return pl.DataFrame({"feature": list(drops), "f1_drop": list(drops.values())}).sort("f1_drop", descending=True)


def importance_plot(importance: pl.DataFrame):
    """Horizontal bars of ``importance`` (feature, f1_drop), largest on top."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 0.3 * importance.height + 1))
    ax.barh(importance["feature"].to_list()[::-1], importance["f1_drop"].to_list()[::-1])
    ax.set_xlabel("drop of test macro F1 when permuted")
    ax.set_title("Permutation importance (test part)")
    return fig
