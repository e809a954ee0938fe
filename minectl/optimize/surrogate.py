"""Surrogate models of the simulator: one regressor per response, k-fold CV metrics."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.metrics import mean_absolute_error, mean_absolute_percentage_error, mean_squared_error, r2_score
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted, validate_data

from minectl.models.boosting import LIGHTGBM_CONSTRAINTS

METRICS = ("r2", "mae", "mse", "mape")


class LightGBMRegressor(RegressorMixin, BaseEstimator):
    """LightGBM per response with defaults for tens of smooth simulator runs: linear leaves, since
    LightGBM's constant leaves (31 leaves, min_child_samples=20) fit a staircase to 88 runs (CV
    R^2 ~0.94); small leaves of >= 10 runs and a slow learning rate, since deeper, faster settings
    (8 leaves of 3 runs, 200 trees at 0.1) reach the same clean CV R^2 but chase noise and outliers
    (robustness R^2 < 0 at 5 % outliers x 30 %). One thread because batches are small."""

    _parameter_constraints = {**{k: v for k, v in LIGHTGBM_CONSTRAINTS.items() if k not in ("class_weight",)},
                              "linear_tree": ["boolean"]}

    def __init__(self, n_estimators=100, learning_rate=0.05, num_leaves=4, max_depth=-1, min_child_samples=10,
                 subsample=1.0, subsample_freq=0, colsample_bytree=1.0, reg_alpha=0.0, reg_lambda=0.0,
                 linear_tree=True, random_state=None, n_jobs=1):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.subsample_freq = subsample_freq
        self.colsample_bytree = colsample_bytree
        self.reg_alpha = reg_alpha
        self.reg_lambda = reg_lambda
        self.linear_tree = linear_tree
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X, y):
        from lightgbm import LGBMRegressor

        X, y = validate_data(self, X, y, y_numeric=True)  # LightGBM would take NaN/inf as missing values
        # LightGBM learns float32 labels against fixed epsilons: responses near 1e-20 came back as 0 and
        # near 1e40 as 1e38; in units of a power of two near the largest response they are learnt as
        # any other, and responses it learnt well keep the same bits (a power of two scales exactly)
        self.label_exponent_ = int(np.frexp(np.max(np.abs(y)))[1])
        self.model_ = LGBMRegressor(**self.get_params(), verbose=-1, deterministic=True).fit(
            X, np.ldexp(y, -self.label_exponent_))
        return self

    def predict(self, X):
        check_is_fitted(self, "model_")
        return np.ldexp(self.model_.predict(validate_data(self, X, reset=False)), self.label_exponent_)


class MultiResponseSurrogate(RegressorMixin, BaseEstimator):
    """A clone of ``estimator`` per response column; ``predict`` answers all responses in one call."""

    def __init__(self, estimator=None):
        self.estimator = estimator

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y):
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True)
        self.single_output_ = y.ndim == 1
        targets = y.reshape(len(y), -1)
        base = self.estimator if self.estimator is not None else LightGBMRegressor(random_state=0)
        self.estimators_ = [clone(base).fit(X, targets[:, j]) for j in range(targets.shape[1])]
        self.n_outputs_ = targets.shape[1]
        return self

    def predict(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        pred = np.column_stack([est.predict(X) for est in self.estimators_])
        return pred[:, 0] if self.single_output_ else pred


def regression_metrics(y_true, y_pred) -> dict[str, float]:
    """r2, mae, mse and mape; mape is NaN (left out of the metrics) where a true value is 0: scikit-learn
    divides by machine epsilon there, and one run without subsidence made it 5e12."""
    undefined = bool(np.any(np.asarray(y_true) == 0))
    return {"r2": float(r2_score(y_true, y_pred)), "mae": float(mean_absolute_error(y_true, y_pred)),
            "mse": float(mean_squared_error(y_true, y_pred)),
            "mape": float("nan") if undefined else float(mean_absolute_percentage_error(y_true, y_pred))}


def cross_validate(estimator, X, Y, responses, folds: int, seed: int) -> list[dict]:
    """Shuffled k-fold CV of one regressor per response: a row per (fold, response) with
    r2/mae/mse/mape (mape as a fraction), plus a ``fold = -1`` row per response: the fold mean."""
    X, Y = np.asarray(X, float), np.asarray(Y, float).reshape(len(X), -1)
    rows = []
    splitter = KFold(n_splits=folds, shuffle=True, random_state=seed)
    for fold, (train, test) in enumerate(splitter.split(X)):
        pred = MultiResponseSurrogate(estimator).fit(X[train], Y[train]).predict(X[test])
        for j, name in enumerate(responses):
            rows.append({"fold": fold, "response": name, **regression_metrics(Y[test, j], pred[:, j])})
    for name in responses:
        per_fold = [r for r in rows if r["response"] == name]
        rows.append({"fold": -1, "response": name,
                     **{m: float(np.mean([r[m] for r in per_fold])) for m in METRICS}})
    return rows


def by_response(rows: list[dict], metric: str) -> dict:
    """{response: metric} of rows with one row per response."""
    return {r["response"]: r[metric] for r in rows}


def cv_report(estimator, label: str, X, Y, responses, folds: int, seed: int):
    """``cross_validate`` of ``estimator`` beside the naive baseline, a linear regression per
    response on the same folds: (a table of every fold of both, named ``label`` and ``linear``;
    metrics cv_<metric> and linear_cv_r2 / linear_cv_mape per response, the fold means)."""
    import polars as pl
    from sklearn.linear_model import LinearRegression

    rows = cross_validate(estimator, X, Y, responses, folds, seed)
    linear = cross_validate(LinearRegression(), X, Y, responses, folds, seed)
    table = pl.DataFrame([{"model": label, **r} for r in rows] + [{"model": "linear", **r} for r in linear])
    means, linear_means = [r for r in rows if r["fold"] == -1], [r for r in linear if r["fold"] == -1]
    metrics = {f"cv_{m}": by_response(means, m) for m in METRICS}
    metrics.update({f"linear_cv_{m}": by_response(linear_means, m) for m in ("r2", "mape")})
    return table, metrics
