"""Sobol indices against the Ishigami function's analytic values; OAT curves; robustness perturbations."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from minectl.optimize.robustness import perturb, robustness_metrics
from minectl.optimize.sensitivity import one_at_a_time, sobol_indices


def ishigami(X, a=7.0, b=0.1):
    return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])


def test_saltelli_estimator_recovers_the_ishigami_indices():
    a, b, pi = 7.0, 0.1, np.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    variance = v1 + v2 + v13
    expected_first = [v1 / variance, v2 / variance, 0.0]  # 0.3139, 0.4424, 0
    expected_total = [(v1 + v13) / variance, v2 / variance, v13 / variance]  # 0.5576, 0.4424, 0.2437
    bounds = [[-pi, pi]] * 3
    first, total = sobol_indices(lambda X: ishigami(X)[:, None], bounds, n=2**14, seed=0)
    assert first.shape == total.shape == (1, 3)
    assert first[0] == pytest.approx(expected_first, abs=0.02)
    assert total[0] == pytest.approx(expected_total, abs=0.02)
    assert expected_first[0] == pytest.approx(0.3139, abs=1e-4) and expected_total[2] == pytest.approx(0.2437, abs=1e-4)


def test_sobol_indices_of_an_additive_linear_function():
    # y = 2 x0 + x1 on uniform [0,1]^2: variances 4/12 and 1/12 -> S = 0.8, 0.2, no interactions
    first, total = sobol_indices(lambda X: (2 * X[:, 0] + X[:, 1])[:, None], [[0, 1], [0, 1]], n=4096, seed=1)
    assert first[0] == pytest.approx([0.8, 0.2], abs=0.01)
    assert total[0] == pytest.approx([0.8, 0.2], abs=0.01)


def test_one_at_a_time_curves_hold_the_other_variables_at_the_base():
    curves = one_at_a_time(lambda X: np.column_stack([X[:, 0] * X[:, 1], X[:, 1]]), [[0, 2], [10, 20]], [1.0, 15.0], 5)
    (i0, grid0, y0), (i1, grid1, y1) = curves
    assert (i0, i1) == (0, 1)
    assert grid0.tolist() == [0, 0.5, 1, 1.5, 2] and y0[:, 0].tolist() == [0, 7.5, 15, 22.5, 30]
    assert grid1.tolist() == [10, 12.5, 15, 17.5, 20] and y1[:, 0].tolist() == grid1.tolist()


def test_perturb_noise_and_outliers():
    Y = np.full((20, 2), 100.0)
    assert np.array_equal(perturb(Y, 0.0, 0.0, 0.0, np.random.default_rng(0)), Y)
    shifted = perturb(Y, 0.0, 0.2, 0.3, np.random.default_rng(0))
    changed = np.any(shifted != 100.0, axis=1)
    assert changed.sum() == 4  # 20 % of 20 rows
    assert set(np.unique(shifted[changed])) <= {70.0, 130.0}
    noisy = perturb(np.full((20_000, 1), 100.0), 0.05, 0.0, 0.0, np.random.default_rng(0))
    assert noisy.std() == pytest.approx(5.0, rel=0.03)


def test_robustness_scores_the_clean_held_out_rows():
    X = np.random.default_rng(0).uniform(size=(50, 2))
    Y = np.column_stack([1 + X[:, 0] + 2 * X[:, 1], 5 - X[:, 0]])
    clean = robustness_metrics(LinearRegression(), X, Y, 0.6, 0.0, 0.0, 0.0, seed=0)
    assert [(r["response"], r["n_train"], r["n_test"]) for r in clean] == [(0, 30, 20), (1, 30, 20)]
    assert all(r["r2"] == pytest.approx(1.0) and r["mae"] == pytest.approx(0.0, abs=1e-9) for r in clean)
    noisy = robustness_metrics(LinearRegression(), X, Y, 0.6, 0.1, 0.2, 0.5, seed=0)
    assert all(r["r2"] < 1.0 and r["mae"] > 0.01 for r in noisy)
    assert noisy == robustness_metrics(LinearRegression(), X, Y, 0.6, 0.1, 0.2, 0.5, seed=0)
