"""Leakage check: does one feature alone predict the label almost perfectly at lead 0?

A small tree on one feature's value at t (fitted on the training part) is scored by balanced
accuracy on the validation part; a score at or above the limit names a feature that is probably
the label in disguise (a column it was derived from, or a copy of one). Only a warning: the
data may really be that easy.
"""

from __future__ import annotations

import numpy as np

from minectl.risk.thresholds import balanced_accuracy
from minectl.risk.workflow import Dataset, Layout


def feature_columns(layout: Layout) -> dict[str, int]:
    """Each feature's X column at t: the window's last step of a dynamic one, or a static one."""
    f = len(layout.dynamic)
    columns = {name: (layout.window - 1) * f + i for i, name in enumerate(layout.dynamic)}
    columns.update({name: layout.window * f + j for j, name in enumerate(layout.static)})
    return columns


def single_feature_scores(data: Dataset, layout: Layout, train: np.ndarray, val: np.ndarray) -> dict[str, float]:
    """Validation balanced accuracy of a tree (2 x levels leaves) on each feature alone."""
    from sklearn.tree import DecisionTreeClassifier

    X, y = data.samples.X, data.samples.y
    scores = {}
    for name, j in feature_columns(layout).items():
        fit_rows, val_rows = train[np.isfinite(X[train, j])], val[np.isfinite(X[val, j])]
        if len(np.unique(y[fit_rows])) < 2 or len(val_rows) == 0:
            continue
        tree = DecisionTreeClassifier(max_leaf_nodes=2 * layout.n_levels, class_weight="balanced", random_state=0)
        tree.fit(X[fit_rows, j : j + 1], y[fit_rows])
        # a validation part without one of the levels the tree predicts: sklearn warned once a feature
        scores[name] = balanced_accuracy(y[val_rows], tree.predict(X[val_rows, j : j + 1]), layout.n_levels)
    return scores


def leaking(scores: dict[str, float], limit: float) -> dict[str, float]:
    """The features at or above ``limit``, best first."""
    return dict(sorted(((k, v) for k, v in scores.items() if v >= limit), key=lambda kv: -kv[1]))
