"""Price -> weights -> Pareto point; price from a series or forecast table; field deviation; BO baseline."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from minectl.optimize.baseline import PENALTY, bayesian_scalarised, weighted_score
from minectl.optimize.decision import field_deviation, last_price, price_weights, select_point
from minectl.optimize.moo import Constraint, Objective
from minectl.optimize.validation import field_report

LOW, HIGH = [0.8, 0.2], [0.2, 0.8]  # [subsidence, ore]


def test_price_weights_interpolate_between_the_anchors_and_clip():
    assert price_weights(300, 300, 450, LOW, HIGH).tolist() == pytest.approx(LOW)
    assert price_weights(100, 300, 450, LOW, HIGH).tolist() == pytest.approx(LOW)
    assert price_weights(900, 300, 450, LOW, HIGH).tolist() == pytest.approx(HIGH)
    assert price_weights(375, 300, 450, LOW, HIGH).tolist() == pytest.approx([0.5, 0.5])
    assert price_weights(330, 300, 450, [2, 0], [0, 2]).tolist() == pytest.approx([0.8, 0.2])


def test_high_price_picks_the_ore_end_low_price_the_stable_end():
    t = np.linspace(0, 1, 5)
    subsidence, ore = 8 + 4 * t, 50_000 + 25_000 * np.sqrt(t)  # a front: more ore costs more subsidence
    F = np.column_stack([subsidence, -ore])  # minimisation form
    # normalised scores w_s t + w_o (1 - sqrt t) at t = 0, .25, .5, .75, 1
    assert select_point(F, price_weights(500, 300, 450, LOW, HIGH), "weighted_sum") == 4  # 0.2 t + 0.8 (1 - sqrt t): 0.2 at t = 1
    assert select_point(F, price_weights(250, 300, 450, LOW, HIGH), "weighted_sum") == 0  # 0.8 t + 0.2 (1 - sqrt t): 0.2 at t = 0
    assert select_point(F, [0.5, 0.5], "weighted_sum") == 1  # 0.5 (1 + t - sqrt t): 0.375 at t = 0.25, the knee


def test_last_price_of_a_series_and_of_a_forecast_table():
    series = pl.DataFrame({"date": [dt.date(2024, 3, 1), dt.date(2024, 1, 1), dt.date(2024, 2, 1)], "price": [130.0, 110.0, 120.0]})
    assert last_price(series, "price") == (130.0, 0)
    unpublished = pl.concat([series, pl.DataFrame({"date": [dt.date(2024, 4, 1)], "price": [None]}, schema=series.schema)])
    assert last_price(unpublished, "price") == (130.0, 1)  # March's, one row (April) without a price after it
    forecast = pl.DataFrame({"date": [dt.date(2025, 1, 1), dt.date(2025, 2, 1)] * 2, "model": ["naive"] * 2 + ["arima"] * 2,
                             "forecast": [100.0, 100.0, 104.0, 107.5]})
    assert last_price(forecast, "forecast", "arima") == (107.5, 0)
    with pytest.raises(ValueError, match=r"several models \['arima', 'naive'\]"):
        last_price(forecast, "forecast")
    with pytest.raises(ValueError, match="for model 'lstm'"):
        last_price(forecast, "forecast", "lstm")
    with pytest.raises(KeyError, match="close"):
        last_price(series, "close")


def test_field_deviation_as_the_seeds_table_12():
    # predicted 10.39 cm vs measured 9.89 cm -> +5.06 %
    assert field_deviation(np.array([10.39, 71500.0]), np.array([9.89, 69834.5])) == pytest.approx([0.5 / 9.89, 1665.5 / 69834.5])


def test_weighted_score_by_hand_with_a_penalty():
    responses = ["s", "ore"]
    objectives = [Objective("s"), Objective("ore", "max")]
    Y = np.array([[10.0, 60.0], [14.0, 80.0]])
    lower, upper = np.array([8.0, -80.0]), np.array([12.0, -50.0])
    score = weighted_score(Y, responses, objectives, [Constraint("s", "<=", 12.0)], [0.5, 0.5], lower, upper,
                           "weighted_sum")
    assert score[0] == pytest.approx(0.5 * 0.5 + 0.5 * (20 / 30))
    assert score[1] == pytest.approx(0.5 * 1.5 + 0.5 * 0.0 + PENALTY * 2 / 12)


def test_bayesian_baseline_finds_the_weighted_optimum_one_design_per_trial():
    calls = []

    def evaluate(X):
        calls.append(len(X))
        return np.column_stack([X[:, 0] ** 2, (X[:, 0] - 1) ** 2])  # Schaffer: front on x in [0, 1]

    objectives = [Objective("a"), Objective("b")]
    result = bayesian_scalarised(evaluate, [[-1.0, 2.0]], ["a", "b"], objectives, [], [0.75, 0.25],
                                   np.zeros(2), np.ones(2), "weighted_sum", trials=40, seed=0, names=["x"])
    assert set(calls) == {1} and result.trials == len(calls) == 40
    assert result.x[0] == pytest.approx(0.25, abs=0.05)  # argmin 0.75 x^2 + 0.25 (x - 1)^2
    assert np.all(np.diff(result.best_per_trial) <= 0)
    again = bayesian_scalarised(evaluate, [[-1.0, 2.0]], ["a", "b"], objectives, [], [0.75, 0.25],
                                  np.zeros(2), np.ones(2), "weighted_sum", trials=40, seed=0, names=["x"])
    assert again.x.tolist() == result.x.tolist()


def test_tchebycheff_moves_along_a_straight_front_where_the_weighted_sum_jumps():
    F = np.column_stack([np.linspace(8, 12, 11), -np.linspace(50_000, 75_000, 11)])  # straight front
    picks = [select_point(F, price_weights(p, 300, 450, LOW, HIGH), "tchebycheff") for p in (100, 350, 400, 900)]
    assert picks == sorted(picks) and picks[0] == 2 and picks[-1] == 8  # 0.8 a = 0.2 (1 - a): a = 0.2
    assert select_point(F, [0.0, 1.0], "tchebycheff") == 10 and select_point(F, [1.0, 0.0], "tchebycheff") == 0
    assert {select_point(F, price_weights(p, 300, 450, LOW, HIGH), "weighted_sum") for p in (100, 350, 400, 900)} == {0, 10}
    score = weighted_score(np.array([[10.0, 60.0]]), ["s", "ore"], [Objective("s"), Objective("ore", "max")], [],
                           [0.5, 0.5], np.array([8.0, -80.0]), np.array([12.0, -50.0]), "tchebycheff")
    assert score[0] == pytest.approx(max(0.5 * 0.5, 0.5 * 20 / 30))


def test_field_report_compares_measured_responses_with_the_prediction():
    def predict(X):  # a stand-in surrogate: subsidence = 2 h, ore = 10 w
        return np.column_stack([2 * X[:, 0], 10 * X[:, 1]])

    checks = [({"w": 1.0, "h": 5.0}, {"subsidence": 8.0, "ore": 12.5}), ({"h": 4.0, "w": 2.0}, {"subsidence": 10.0})]
    table, metrics = field_report(predict, checks, ["h", "w"], ["subsidence", "ore"])
    assert table["predicted"].to_list() == [10.0, 10.0, 8.0]
    assert table["rel_deviation"].to_list() == pytest.approx([0.25, -0.2, -0.2])
    assert metrics == {"mean_abs_rel_deviation": {"subsidence": pytest.approx(0.225), "ore": pytest.approx(0.2)}}
