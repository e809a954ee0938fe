"""The seed's hybrid (000 eqs 9-10): an LSTM encodes the window into h_t, [h_t; s_t] feeds a
random forest whose trees are weighted by their validation performance."""

from __future__ import annotations

import time
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from minectl.models.sequence import LSTM_CONSTRAINTS, LSTMClassifier, validated_fit_data


def validation_tree_weights(forest, Z_val, y_val) -> np.ndarray:
    """omega_m of eq 10: each tree's balanced accuracy on validation above chance, normalised
    to sum 1; uniform when no tree beats chance (or validation has a single class)."""
    n_classes = len(forest.classes_)
    y_idx = np.searchsorted(forest.classes_, y_val)
    known = np.isin(y_val, forest.classes_)
    if known.any() and len(np.unique(y_val[known])) > 1:
        truth = y_idx[known]
        # tree.predict's class: the argmax of its leaf's class fractions
        scores = np.array([_balanced_accuracy(truth, np.argmax(tree.tree_.value[:, 0, :], axis=1)[leaf], n_classes)
                           for tree, leaf in zip(forest.estimators_, _leaves(forest, Z_val[known]), strict=True)])
    else:
        scores = np.zeros(len(forest.estimators_))
    gain = np.clip(scores - 1.0 / n_classes, 0.0, None)
    if gain.sum() == 0:
        return np.full(len(forest.estimators_), 1.0 / len(forest.estimators_))
    return gain / gain.sum()


def _balanced_accuracy(truth: np.ndarray, predicted: np.ndarray, n_classes: int) -> float:
    """sklearn's balanced_accuracy_score of class indices, computed as it does (the mean recall of
    the true classes, in class order) without its per-call checks: 300 trees x every fit."""
    counts = np.bincount(truth, minlength=n_classes)
    hits = np.bincount(truth[truth == predicted], minlength=n_classes)
    present = counts > 0
    return float(np.mean(hits[present] / counts[present]))


def _leaves(forest, Z) -> list[np.ndarray]:
    """The leaf each row of Z falls in, per tree: what tree.apply computes, on the float32 copy
    of Z that it makes, made once (tree by tree, sklearn's checks and joblib's dispatch cost more
    than the trees: 300 trees x every prediction of the importance and robustness runs)."""
    Z32 = np.ascontiguousarray(Z, dtype=np.float32)
    return [tree.tree_.apply(Z32) for tree in forest.estimators_]


def _tree_probabilities(forest, Z):
    """Each tree's predict_proba of Z, in the forest's order: the class fractions of the leaf every row falls in."""
    n_classes = len(forest.classes_)
    return (tree.tree_.value[:, 0, :n_classes][leaf] for tree, leaf in zip(forest.estimators_, _leaves(forest, Z), strict=True))


class LSTMRandomForestClassifier(ClassifierMixin, BaseEstimator):
    """LSTM encoder (trained on the window alone, class-weighted, early stopping) + random forest
    over [h_t; s_t] with depth/leaf limits and validation-weighted trees."""

    _parameter_constraints = {
        **LSTM_CONSTRAINTS,
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_depth": [Interval(Integral, 1, None, closed="left"), None],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left"), Interval(Real, 0, 1, closed="neither")],
        "weight_trees": ["boolean"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self, window=7, n_static=0, hidden_size=32, num_layers=1, dropout=0.2, max_epochs=40,
        batch_size=64, learning_rate=3e-3, patience=6, validation_fraction=0.15,
        n_estimators=300, max_depth=10, min_samples_leaf=5, class_weight="balanced",
        weight_trees=True, device="auto", random_state=0, n_jobs=1,
    ):
        self.window = window
        self.n_static = n_static
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.class_weight = class_weight
        self.weight_trees = weight_trees
        self.device = device
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _dynamic_part(self, X):
        return np.asarray(X, dtype=np.float32)[:, : np.shape(X)[1] - self.n_static]

    def _fused(self, X):
        """[h_t; s_t] for every row."""
        X = np.asarray(X, dtype=np.float64)
        return np.hstack([self.encoder_.encode(self._dynamic_part(X)), X[:, X.shape[1] - self.n_static:]])

    def fit(self, X, y, validation_data=None):
        self._validate_params()
        X, y, X_val, y_val = validated_fit_data(self, X, y, validation_data, self.validation_fraction)
        started = time.perf_counter()
        self.encoder_ = LSTMClassifier(
            window=self.window, n_static=0, hidden_size=self.hidden_size, num_layers=self.num_layers,
            dropout=self.dropout, max_epochs=self.max_epochs, batch_size=self.batch_size,
            learning_rate=self.learning_rate, patience=self.patience,
            class_weight=self.class_weight, device=self.device, random_state=self.random_state,
        ).fit(self._dynamic_part(X), y, validation_data=(self._dynamic_part(X_val), y_val))
        encoded = time.perf_counter()
        self.forest_ = RandomForestClassifier(
            n_estimators=self.n_estimators, max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf,
            class_weight=self.class_weight,
            random_state=self.random_state, n_jobs=self.n_jobs,
        ).fit(self._fused(X), y)
        self.classes_ = self.forest_.classes_
        self.tree_weights_ = (
            validation_tree_weights(self.forest_, self._fused(X_val), y_val)
            if self.weight_trees else np.full(self.n_estimators, 1.0 / self.n_estimators)
        )
        self.fit_seconds_ = {"lstm": encoded - started, "forest": time.perf_counter() - encoded}
        return self

    def predict_proba(self, X):
        """p_t = sum_m omega_m g_m([h_t; s_t]) (eq 10)."""
        check_is_fitted(self, "forest_")
        Z = self._fused(validate_data(self, X, reset=False, dtype=np.float64))
        return sum(w * proba for w, proba in zip(self.tree_weights_, _tree_probabilities(self.forest_, Z), strict=True))

    def predict(self, X):
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
