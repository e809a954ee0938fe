"""Probability -> risk level with thresholds theta_1 < theta_2 (seed 000 eq 11)."""

from __future__ import annotations

import itertools

import numpy as np

from minectl.errors import ConfigError

OBJECTIVES = ("f1_macro", "balanced_accuracy", "recall_high")


def check_thresholds(thetas, n_levels: int) -> np.ndarray:
    """n_levels - 1 strictly increasing thresholds inside (0, 1), else ConfigError."""
    thetas = np.asarray(thetas, dtype=float)
    if len(thetas) != n_levels - 1:
        raise ConfigError(f"expected {n_levels - 1} thresholds for {n_levels} levels, got {len(thetas)}", param="thetas")
    if np.any(thetas <= 0) or np.any(thetas >= 1) or np.any(np.diff(thetas) <= 0):
        raise ConfigError(f"{thetas.tolist()} must be strictly increasing inside (0, 1) (theta1 < theta2)", param="thetas")
    return thetas


def risk_score(proba: np.ndarray, classes, n_levels: int) -> np.ndarray:
    """p_t in [0, 1]: the expected risk level over the class probabilities, divided by the top
    level (for two levels this is P(high))."""
    return np.asarray(proba) @ (np.asarray(classes, dtype=float) / (n_levels - 1))


def apply_thresholds(score: np.ndarray, thetas) -> np.ndarray:
    """Low if p < theta_1, medium if theta_1 <= p < theta_2, high if p >= theta_2 (eq 11)."""
    return np.searchsorted(np.asarray(thetas, dtype=float), np.asarray(score), side="right")


def _objective(name: str, y, pred, n_levels: int) -> float:
    # confusion-matrix arithmetic: called for every grid point, sklearn's checks would dominate
    cm = np.bincount(y * n_levels + pred, minlength=n_levels * n_levels).reshape(n_levels, n_levels)
    tp, actual, predicted = np.diag(cm).astype(float), cm.sum(axis=1), cm.sum(axis=0)
    recall = np.divide(tp, actual, out=np.zeros(n_levels), where=actual > 0)
    precision = np.divide(tp, predicted, out=np.zeros(n_levels), where=predicted > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(n_levels), where=precision + recall > 0)
    if name == "f1_macro":
        return f1.mean()
    if name == "balanced_accuracy":
        return recall[actual > 0].mean()
    return recall[-1] + 0.5 * f1.mean()


def balanced_accuracy(y, pred, n_levels: int) -> float:
    """Mean recall over the levels that occur in ``y``: sklearn's balanced_accuracy_score, without
    its UserWarning (one per call) when ``pred`` holds a level that ``y`` lacks."""
    return float(_objective("balanced_accuracy", np.asarray(y, dtype=np.int64), np.asarray(pred, dtype=np.int64), n_levels))


def optimise_thresholds(score, y, n_levels: int, objective: str = "f1_macro", grid_size: int | None = None) -> np.ndarray:
    """The threshold tuple on a grid over (0, 1) that maximises ``objective`` on validation
    (f1_macro balances precision and recall over all levels; recall_high favours catching high
    risk, with half the macro F1 added against flagging everything)."""
    if objective not in OBJECTIVES:
        raise ConfigError(f"{objective!r}; expected one of {', '.join(OBJECTIVES)}", param="objective")
    if grid_size is None:  # 4 or 5 levels: a coarser grid keeps the search to a few thousand tuples
        grid_size = 49 if n_levels <= 3 else 19
    grid = np.linspace(0, 1, grid_size + 2)[1:-1]
    y = np.asarray(y, dtype=np.int64)
    best, best_value = None, -np.inf
    for thetas in itertools.combinations(grid, n_levels - 1):
        value = _objective(objective, y, apply_thresholds(score, thetas), n_levels)
        if value > best_value + 1e-12:
            best, best_value = np.array(thetas), value
    return best
