"""Metrics against hand-computed figures and scikit-learn, baselines, perturbations, importance."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from minectl.risk.evaluate import classification_metrics, confusion, majority_baseline, persistence_baseline
from minectl.risk.importance import grouped_permutation_importance
from minectl.risk.robustness import add_gaussian_noise, drop_share_of_level, mask_and_interpolate


def test_metrics_hand_computed():
    y = np.array([0, 0, 0, 1, 1, 2])
    pred = np.array([0, 0, 1, 1, 2, 2])
    proba = np.eye(3)[pred] * 0.8 + 0.2 / 3
    m = classification_metrics(y, pred, proba, 3)
    assert m["accuracy"] == pytest.approx(4 / 6)
    # recall: low 2/3, medium 1/2, high 1/1; precision: 2/2, 1/2, 1/2
    assert m["recall"] == pytest.approx({"low": 2 / 3, "medium": 0.5, "high": 1.0})
    assert m["precision_macro"] == pytest.approx((1 + 0.5 + 0.5) / 3)
    f1 = [2 * 1 * (2 / 3) / (1 + 2 / 3), 0.5, 2 * 0.5 / 1.5]
    assert m["f1_macro"] == pytest.approx(np.mean(f1))
    expected_auc = np.mean([roc_auc_score(y == k, proba[:, k]) for k in range(3)])
    assert m["auc"] == pytest.approx(expected_auc)
    np.testing.assert_array_equal(confusion(y, pred, 3), [[2, 1, 0], [0, 1, 1], [0, 0, 1]])


def test_binary_auc_and_single_class_nan():
    m = classification_metrics(np.array([0, 1, 0, 1]), np.array([0, 1, 1, 1]),
                               np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]]), 2)
    assert m["auc"] == pytest.approx(1.0) and set(m["recall"]) == {"low", "high"}
    assert np.isnan(classification_metrics(np.zeros(3, int), np.zeros(3, int), np.eye(2)[[0, 0, 0]], 2)["auc"])


def test_baselines():
    np.testing.assert_array_equal(majority_baseline(np.array([0, 2, 2, 1]), 3), [2, 2, 2])
    labels = np.array([0, 1, 2, 0, 1, 2])
    # lead 3: target day 5 is predicted by day 2's level; lead 0: target 4 by day 3
    np.testing.assert_array_equal(persistence_baseline(labels, np.array([5, 4]), 3), [2, 1])
    np.testing.assert_array_equal(persistence_baseline(labels, np.array([4, 5]), 0), [0, 1])


def test_mask_and_interpolate_is_linear_between_kept_days():
    values = np.column_stack([np.arange(200.0), 3 * np.arange(200.0)])
    masked = mask_and_interpolate(values, 0.1, np.random.default_rng(0))
    # a straight line is refilled exactly (inside the kept range), and something was masked
    np.testing.assert_allclose(masked[5:-5], values[5:-5])
    noisy = mask_and_interpolate(np.random.default_rng(1).normal(size=(500, 1)), 0.1, np.random.default_rng(0))
    assert 0.05 < np.mean(noisy != np.random.default_rng(1).normal(size=(500, 1))) < 0.15


def test_noise_and_dropping():
    noisy = add_gaussian_noise(np.zeros((20000, 1)), 0.1, np.random.default_rng(0))
    assert noisy.std() == pytest.approx(0.1, rel=0.03)
    y = np.array([0] * 10 + [1] * 4)
    keep = drop_share_of_level(y, 0, 0.5, np.random.default_rng(0))
    assert np.sum(y[keep] == 0) == 5 and np.sum(y[keep] == 1) == 4 and np.all(np.diff(keep) > 0)


def test_grouped_permutation_importance_finds_the_used_indicator():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))  # indicator a: columns 0, 2; indicator b: columns 1, 3
    y = (X[:, 2] > 0).astype(int)
    score = lambda Z: np.mean((Z[:, 2] > 0).astype(int) == y)  # noqa: E731
    imp = grouped_permutation_importance(score, X, {"a": np.array([0, 2]), "b": np.array([1, 3])}, 3, 0)
    assert imp["b"] == 0.0
    assert 0.4 < imp["a"] < 0.6  # permuting a random half-signal drops accuracy from 1 to ~0.5
