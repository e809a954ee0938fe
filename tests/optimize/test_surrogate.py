"""Multi-response surrogate: sklearn API, deterministic k-fold CV, metrics against sklearn."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.utils.estimator_checks import parametrize_with_checks

from minectl.optimize import doe
from minectl.optimize.simulator import ProbabilityIntegralSimulator
from minectl.optimize.surrogate import LightGBMRegressor, MultiResponseSurrogate, cross_validate, regression_metrics


@parametrize_with_checks([MultiResponseSurrogate(LinearRegression()), LightGBMRegressor()])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _doe():
    X = doe.full_factorial([[18.0, 25.0], [0.5, 3.0]], [8, 11])
    return X, ProbabilityIntegralSimulator().evaluate(X)


def test_one_model_per_response_predicts_all_responses_at_once():
    X = np.random.default_rng(0).uniform(size=(30, 2))
    Y = np.column_stack([1 + 2 * X[:, 0], 3 - X[:, 1]])
    surrogate = MultiResponseSurrogate(LinearRegression()).fit(X, Y)
    assert len(surrogate.estimators_) == 2
    assert np.allclose(surrogate.predict([[0.5, 0.5]]), [[2.0, 2.5]])
    assert surrogate.fit(X, Y[:, 0]).predict([[0.25, 0.0]]).shape == (1,)


def _regressor(kind, seed):
    from sklearn.ensemble import RandomForestRegressor

    return LightGBMRegressor(random_state=seed) if kind == "lightgbm" else RandomForestRegressor(200, random_state=seed)


@pytest.mark.parametrize("kind", ["lightgbm", "rf"])
def test_cv_is_deterministic_with_a_seed_and_matches_sklearn(kind):
    X, Y = _doe()
    rows = cross_validate(_regressor(kind, 7), X, Y, ["subsidence_cm", "ore_t"], folds=5, seed=7)
    assert rows == cross_validate(_regressor(kind, 7), X, Y, ["subsidence_cm", "ore_t"], folds=5, seed=7)
    assert len(rows) == 2 * 5 + 2
    splitter = KFold(5, shuffle=True, random_state=7)
    for j, name in enumerate(["subsidence_cm", "ore_t"]):
        fold_r2 = [r["r2"] for r in rows if r["response"] == name and r["fold"] >= 0]
        mean_row = next(r for r in rows if r["response"] == name and r["fold"] == -1)
        assert mean_row["r2"] == pytest.approx(np.mean(fold_r2))
        # Pooled out-of-fold predictions from sklearn's own CV give the same MAE (equal-size folds are not
        # guaranteed, so compare the size-weighted fold mean).
        pooled = cross_val_predict(_regressor(kind, 7), X, Y[:, j], cv=splitter)
        sizes = [len(test) for _, test in splitter.split(X)]
        fold_mae = [r["mae"] for r in rows if r["response"] == name and r["fold"] >= 0]
        assert np.average(fold_mae, weights=sizes) == pytest.approx(np.mean(np.abs(pooled - Y[:, j])))
    assert mean_row["r2"] > 0.95  # the 88-run DoE is enough to learn the closed-form simulator


def test_regression_metrics_by_hand():
    m = regression_metrics(np.array([1.0, 2.0, 4.0]), np.array([1.5, 2.0, 3.0]))
    assert m["mae"] == pytest.approx(0.5)
    assert m["mse"] == pytest.approx((0.25 + 1) / 3)
    assert m["mape"] == pytest.approx((0.5 + 0 + 0.25) / 3)
    assert m["r2"] == pytest.approx(1 - 1.25 / (14 / 3))


def test_lightgbm_regressor_is_lightgbm_with_minectl_settings():
    """The wrapper's predictions are LightGBM's own with the same settings (linear leaves)."""
    from lightgbm import LGBMRegressor

    X, Y = _doe()
    ours = LightGBMRegressor(random_state=3).fit(X, Y[:, 0]).predict(X)
    theirs = LGBMRegressor(n_estimators=100, learning_rate=0.05, num_leaves=4, min_child_samples=10, linear_tree=True,
                           random_state=3, n_jobs=1, verbose=-1, deterministic=True).fit(X, Y[:, 0]).predict(X)
    assert np.array_equal(ours, theirs)
