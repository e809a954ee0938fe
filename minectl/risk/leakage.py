"""Leakage check: does one feature alone predict the label almost perfectly at lead 0?

A small tree on one feature's value at t (fitted on the training part) is scored by balanced
accuracy on the validation part; a score at or above the limit names a feature that is probably
the label in disguise (a column it was derived from, or a copy of one). Only a warning: the
data may really be that easy. With too few validation rows of a level, a column of noise reaches the
limit by chance: the check says it cannot tell instead (MIN_LEVEL_ROWS).
"""

from __future__ import annotations

import math

import numpy as np

from minectl.risk.thresholds import balanced_accuracy
from minectl.risk.workflow import Dataset, Layout

# Validation rows of each label level the check needs. With fewer than 25 rows of a level, the limit (0.98) means
# every validation row right, which a column of noise reaches by chance once in 20 columns with 2 rows of each of
# two levels, once in 130 with 3, once in 2,000 with 5 and in none of 4,000 with 8 (a tree as below on normal
# noise, a training part 4 times as large; fewer with more levels or more rows of the others). 10 would refuse
# the embedded mine's check (9 rows of its rarest level).
MIN_LEVEL_ROWS = 5


def feature_columns(layout: Layout) -> dict[str, int]:
    """Each feature's X column at t: the window's last step of a dynamic one, or a static one."""
    f = len(layout.dynamic)
    columns = {name: (layout.window - 1) * f + i for i, name in enumerate(layout.dynamic)}
    columns.update({name: layout.window * f + j for j, name in enumerate(layout.static)})
    return columns


def rarest_level_rows(y: np.ndarray, n_levels: int) -> int:
    """Rows of the rarest of the ``n_levels`` label levels (0, 1, ...) in ``y``."""
    return int(np.bincount(y, minlength=n_levels).min())


def too_few_to_tell(y_val: np.ndarray, n_levels: int) -> str | None:
    """Why the check cannot tell on the validation labels ``y_val`` (MIN_LEVEL_ROWS), said once; None where it can."""
    rows = rarest_level_rows(y_val, n_levels)
    if rows >= MIN_LEVEL_ROWS:
        return None
    return (f"leakage check: {rows} validation row{'' if rows == 1 else 's'} of the rarest label level at lead 0, fewer than "
            f"{MIN_LEVEL_ROWS}: too few to tell a feature that leaks the label from chance; no feature checked")


def case_holdout(strata: np.ndarray, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation rows of a case table (split=cv), stratified by ``strata`` (cases.case_strata): a plain
    random split of a table with 6.6 % positives left its validation part a few of them, or none, by chance. Where
    stratifying cannot (a level of one row, parts smaller than the number of levels: sklearn's ValueError), the plain
    random split of before: cross_validate refuses such a table after this check, and the refusal must be its line."""
    from sklearn.model_selection import train_test_split

    counts = np.bincount(strata)
    n_val = math.ceil(val_fraction * len(strata))
    can = counts[counts > 0].min() >= 2 and min(n_val, len(strata) - n_val) >= np.count_nonzero(counts)
    train, val = train_test_split(np.arange(len(strata)), test_size=val_fraction, random_state=seed,
                                  stratify=strata if can else None)
    return np.sort(train), np.sort(val)


def single_feature_scores(data: Dataset, layout: Layout, train: np.ndarray, val: np.ndarray) -> dict[str, float]:
    """Validation balanced accuracy of a tree (2 x levels leaves) on each feature alone; a feature whose values
    leave fewer than MIN_LEVEL_ROWS validation rows of a level (missing in the others) is not scored."""
    from sklearn.tree import DecisionTreeClassifier

    X, y = data.samples.X, data.samples.y
    scores = {}
    for name, j in feature_columns(layout).items():
        fit_rows, val_rows = train[np.isfinite(X[train, j])], val[np.isfinite(X[val, j])]
        if len(np.unique(y[fit_rows])) < 2 or rarest_level_rows(y[val_rows], layout.n_levels) < MIN_LEVEL_ROWS:
            continue
        tree = DecisionTreeClassifier(max_leaf_nodes=2 * layout.n_levels, class_weight="balanced", random_state=0)
        tree.fit(X[fit_rows, j : j + 1], y[fit_rows])
        # a validation part without one of the levels the tree predicts: sklearn warned once a feature
        scores[name] = balanced_accuracy(y[val_rows], tree.predict(X[val_rows, j : j + 1]), layout.n_levels)
    return scores


def leaking(scores: dict[str, float], limit: float) -> dict[str, float]:
    """The features at or above ``limit``, best first."""
    return dict(sorted(((k, v) for k, v in scores.items() if v >= limit), key=lambda kv: -kv[1]))
