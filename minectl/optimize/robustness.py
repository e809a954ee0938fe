"""Robustness of a surrogate (seed 002, 4.6.4): fit on a perturbed training share, score on the
clean remainder. Noise and outliers perturb the training responses only."""

from __future__ import annotations

import numpy as np

from minectl.optimize.surrogate import METRICS, MultiResponseSurrogate, by_response, regression_metrics


def perturb(Y: np.ndarray, noise: float, outlier_share: float, outlier_magnitude: float,
            rng: np.random.Generator) -> np.ndarray:
    """Multiplicative Gaussian noise (sd = ``noise`` of each value), then ``outlier_share`` of the
    rows shifted by +-``outlier_magnitude`` of their value (random sign)."""
    Y = np.asarray(Y, float) * (1 + noise * rng.standard_normal(np.shape(Y)))
    n_outliers = int(round(outlier_share * len(Y)))
    rows = rng.choice(len(Y), size=n_outliers, replace=False)
    signs = rng.choice([-1.0, 1.0], size=(n_outliers, Y.shape[1]))
    Y[rows] *= 1 + signs * outlier_magnitude
    return Y


def robustness_metrics(estimator, X, Y, train_share: float, noise: float, outlier_share: float,
                       outlier_magnitude: float, seed: int) -> list[dict]:
    """One row per response: r2/mae/mse/mape on the held-out rows, plus the sizes used."""
    X, Y = np.asarray(X, float), np.asarray(Y, float).reshape(len(X), -1)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    n_train = int(round(train_share * len(X)))
    train, test = order[:n_train], order[n_train:]
    Y_train = perturb(Y[train], noise, outlier_share, outlier_magnitude, rng)
    pred = MultiResponseSurrogate(estimator).fit(X[train], Y_train).predict(X[test])
    return [{"response": j, "n_train": len(train), "n_test": len(test),
             **regression_metrics(Y[test, j], pred[:, j])} for j in range(Y.shape[1])]


def robustness_report(estimator, X, Y, responses, train_share: float, noise: float, outlier_share: float,
                      outlier_magnitude: float, seed: int):
    """``robustness_metrics`` for one setting: (a row per response with the setting, for a
    sweep's table; metrics <metric> per response)."""
    import polars as pl

    rows = robustness_metrics(estimator, X, Y, train_share, noise, outlier_share, outlier_magnitude, seed)
    for row in rows:
        row.update(response=responses[row["response"]], train_share=train_share, noise=noise,
                   outlier_share=outlier_share, outlier_magnitude=outlier_magnitude)
    return pl.DataFrame(rows), {m: by_response(rows, m) for m in METRICS}
