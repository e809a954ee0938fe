"""Eq 11 threshold mapping, threshold checks and optimisation; declarative rule labels."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from minectl.errors import ConfigError, DataError
from minectl.risk.labels import LabelRule, column_labels, rule_labels, rule_levels
from minectl.risk.thresholds import apply_thresholds, check_thresholds, optimise_thresholds, risk_score


def test_eq11_mapping_at_and_around_the_thresholds():
    score = np.array([0.0, 0.299, 0.3, 0.5, 0.699, 0.7, 1.0])
    np.testing.assert_array_equal(apply_thresholds(score, [0.3, 0.7]), [0, 0, 1, 1, 1, 2, 2])
    np.testing.assert_array_equal(apply_thresholds(np.array([0.49, 0.5]), [0.5]), [0, 1])


def test_risk_score_is_expected_level_over_top_level():
    proba = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [0.2, 0.3, 0.5]])
    np.testing.assert_allclose(risk_score(proba, [0, 1, 2], 3), [0, 0.5, 1, (0.3 + 2 * 0.5) / 2])
    np.testing.assert_allclose(risk_score(np.array([[0.3, 0.7]]), [0, 1], 2), [0.7])


@pytest.mark.parametrize("thetas", [[0.7, 0.3], [0.5, 0.5], [0.0, 0.5], [0.3, 1.0], [0.5]])
def test_bad_thresholds_are_config_errors(thetas):
    with pytest.raises(ConfigError, match="^thetas: "):
        check_thresholds(thetas, 3)


def test_optimiser_recovers_planted_thresholds():
    rng = np.random.default_rng(0)
    score = rng.uniform(size=600)
    y = apply_thresholds(score, [0.25, 0.65])
    thetas = optimise_thresholds(score, y, 3, "f1_macro", grid_size=19)  # grid step 0.05
    np.testing.assert_allclose(thetas, [0.25, 0.65])
    binary = optimise_thresholds(score, (score >= 0.4).astype(int), 2, "balanced_accuracy", grid_size=19)
    np.testing.assert_allclose(binary, [0.4])
    with pytest.raises(ConfigError, match="objective"):
        optimise_thresholds(score, y, 3, "accuracy")


def test_rule_levels_hand_computed():
    # baseline of 3 days before t: days 0-2 are [10, 12, 14] -> mean 12, sd 2 (ddof 1)
    values = np.array([10.0, 12, 14, 15, 18, 30])
    levels = rule_levels(values, LabelRule("x", medium=1.0, high=2.0), baseline_days=3)
    # day 3: (15-12)/2 = 1.5 -> 1; day 4: past [12,14,15] mean 13.667 sd 1.528 -> 2.84 -> 2
    assert levels[3] == 1 and levels[4] == 2
    assert levels[0] == 0 and levels[1] == 0  # no baseline yet
    # falling series [30, 18, 15, 14, 12, 10]: drops of 1.06, 0.88, 1.76, 2.40 baseline sds
    down = rule_levels(values[::-1].copy(), LabelRule("x", 1.0, 2.0, direction="down"), 3)
    np.testing.assert_array_equal(down, [0, 0, 1, 0, 1, 2])


def test_rule_labels_sum_points_into_three_levels():
    frame = pl.DataFrame({"a": [10.0, 12, 14, 15, 18, 30], "b": [1.0, 1, 1, 1, 1, 1]})
    rules = [LabelRule("a", 1.0, 2.0), LabelRule("b", 1.0, 2.0)]
    # a's levels are [0, 0, ?, 1, 2, 2]; b is constant (sd 0) -> 0 points
    labels = rule_labels(frame, rules, baseline_days=3, medium_score=1, high_score=2)
    np.testing.assert_array_equal(labels[3:], [1, 2, 2])
    with pytest.raises(DataError, match="column 'c' not in the daily table"):
        rule_labels(frame, [LabelRule("c")], 3, 1, 2)


def test_column_labels_checked():
    frame = pl.DataFrame({"risk": [0, 1, 2], "bad": [0, 3, 1], "gap": [0, None, 1]})
    np.testing.assert_array_equal(column_labels(frame, "risk", 3), [0, 1, 2])
    with pytest.raises(DataError, match="integers 0..2"):
        column_labels(frame, "bad", 3)
    with pytest.raises(DataError, match=r"column 'gap' has 1 missing values \(first in row 2 of the rows in time order\); expected a label"):
        column_labels(frame, "gap", 3)
    with pytest.raises(DataError, match="column 'nope' not found"):
        column_labels(frame, "nope", 3)
