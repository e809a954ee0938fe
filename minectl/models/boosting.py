"""LightGBM gradient boosting (the seed's XGBoost baseline), kept as a text model."""

from __future__ import annotations

from numbers import Integral, Real

import lightgbm as lgb
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

# LightGBM's ranges (its parameter docs), in scikit-learn's constraint language: lightgbm's own
# sklearn classes declare none, and LightGBM itself stops a bad value with a fatal C++ error.
LIGHTGBM_CONSTRAINTS = {
    "n_estimators": [Interval(Integral, 1, None, closed="left")],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "num_leaves": [Interval(Integral, 2, 131072, closed="both")],
    "max_depth": [Interval(Integral, None, None, closed="neither")],  # <= 0: no limit
    "min_child_samples": [Interval(Integral, 0, None, closed="left")],
    "min_child_weight": [Interval(Real, 0, None, closed="left")],
    "min_split_gain": [Interval(Real, 0, None, closed="left")],
    "subsample": [Interval(Real, 0, 1, closed="right")],
    "subsample_freq": [Interval(Integral, 0, None, closed="left")],
    "colsample_bytree": [Interval(Real, 0, 1, closed="right")],
    "reg_alpha": [Interval(Real, 0, None, closed="left")],
    "reg_lambda": [Interval(Real, 0, None, closed="left")],
    "class_weight": [StrOptions({"balanced"}), dict, None],
    "random_state": [Interval(Integral, 0, None, closed="left"), None],
    "n_jobs": [Integral, None],
}


def constraints_of(estimator) -> dict:
    """An estimator's declared parameter constraints (LightGBM's sklearn classes: the table above)."""
    if isinstance(estimator, lgb.LGBMModel):
        return LIGHTGBM_CONSTRAINTS
    return getattr(estimator, "_parameter_constraints", {})


class LightGBMClassifier(ClassifierMixin, BaseEstimator):
    """Thin wrapper over ``lightgbm.LGBMClassifier`` whose fitted state is the booster alone,
    so it saves as LightGBM's text format and reloads without pickle."""

    _parameter_constraints = LIGHTGBM_CONSTRAINTS

    def __init__(
        self, n_estimators=200, learning_rate=0.05, num_leaves=15, max_depth=-1,
        min_child_samples=20, subsample=0.8, colsample_bytree=0.5, reg_lambda=1.0,
        class_weight="balanced", random_state=0, n_jobs=1,
    ):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.class_weight = class_weight
        self.random_state = random_state
        self.n_jobs = n_jobs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # LightGBM routes missing values itself
        return tags

    def fit(self, X, y):
        self._validate_params()
        X, y = validate_data(self, X, y, dtype=np.float64, ensure_all_finite="allow-nan")
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        model = lgb.LGBMClassifier(
            n_estimators=self.n_estimators, learning_rate=self.learning_rate,
            num_leaves=self.num_leaves, max_depth=self.max_depth,
            min_child_samples=self.min_child_samples, subsample=self.subsample, subsample_freq=1,
            colsample_bytree=self.colsample_bytree, reg_lambda=self.reg_lambda,
            class_weight=self.class_weight, random_state=self.random_state, n_jobs=self.n_jobs,
            deterministic=True, verbose=-1,
        ).fit(X, np.searchsorted(self.classes_, y))
        self.booster_ = model.booster_
        return self

    def predict_proba(self, X):
        check_is_fitted(self, "booster_")
        X = validate_data(self, X, reset=False, dtype=np.float64, ensure_all_finite="allow-nan")
        raw = self.booster_.predict(X)
        if len(self.classes_) == 1:
            return np.ones((len(raw), 1))
        if raw.ndim == 1:  # binary objective returns P(class 1)
            return np.column_stack([1.0 - raw, raw])
        return raw

    def predict(self, X):
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
