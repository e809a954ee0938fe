import math

import numpy as np
import pytest
from scipy import stats

from minectl.errors import ConfigError, DataError
from minectl.uncertainty.propagation import (
    analytic_range,
    analytic_uncertainty,
    monte_carlo_total,
    normal_scores_correlation,
)
from minectl.uncertainty.risk import (
    alpha_from_change,
    conditional_value_at_risk,
    entropic_risk,
    value_at_risk,
)


def test_product_is_root_sum_of_squares():
    assert analytic_uncertainty([0.03, 0.04], "product") == pytest.approx(0.05)


def test_sum_is_share_weighted():
    # shares 0.6 / 0.4 (from 60 and 40): sqrt((0.6*0.10)^2 + (0.4*0.20)^2) = sqrt(0.0036 + 0.0064) = 0.1
    assert analytic_uncertainty([0.10, 0.20], "sum", weights=[60, 40]) == pytest.approx(0.1)


def test_asymmetric_range_propagates_each_side():
    low, high = analytic_range([-30, -40], [60, 80], "product")
    assert (low, high) == pytest.approx((-50.0, 100.0))


def test_monte_carlo_sum_of_normals_matches_theory():
    marginals = [stats.norm(100, 10), stats.norm(50, 5)]
    independent = monte_carlo_total(marginals, "sum", n_samples=200_000, random_state=1)
    assert independent.std() == pytest.approx(math.sqrt(125), rel=0.01)
    corr = np.array([[1.0, 0.8], [0.8, 1.0]])
    coupled = monte_carlo_total(marginals, "sum", n_samples=200_000, correlation=corr, random_state=1)
    assert coupled.std() == pytest.approx(math.sqrt(100 + 25 + 2 * 0.8 * 50), rel=0.01)
    assert coupled.mean() == pytest.approx(150, rel=1e-3)


def test_normal_scores_correlation_recovers_gaussian_dependence():
    rng = np.random.default_rng(3)
    z = rng.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=5000)
    data = np.column_stack([np.exp(z[:, 0]), z[:, 1] ** 3])  # monotone transforms keep the copula
    assert normal_scores_correlation(data)[0, 1] == pytest.approx(0.6, abs=0.03)


def test_cvar_equals_mean_of_sorted_tail():
    losses = np.random.default_rng(4).gamma(2.0, 10.0, size=1000)
    tail = np.sort(losses)[-50:]  # worst 5 % of 1000
    assert conditional_value_at_risk(losses, 0.95) == pytest.approx(tail.mean(), rel=1e-12)
    assert value_at_risk(losses, 0.95) == np.sort(losses)[949]


def test_entropic_risk_tends_to_mean_and_orders_by_alpha():
    losses = np.random.default_rng(5).normal(100.0, 8.0, size=20000)
    mean = losses.mean()
    assert entropic_risk(losses, 0.0) == mean
    assert entropic_risk(losses, 1e-8, scale=8.0) == pytest.approx(mean, abs=1e-6)
    # normal loss: rho = mu + alpha sigma^2 / (2 s); with s = sigma, +-half a sigma at alpha +-1
    assert entropic_risk(losses, 1.0, scale=8.0) == pytest.approx(mean + 4.0, abs=0.15)
    assert entropic_risk(losses, -1.0, scale=8.0) == pytest.approx(mean - 4.0, abs=0.15)


def test_entropic_risk_by_hand_two_points():
    # (1/a) ln((e^0 + e^(2a))/2) at a = 0.5: 2 ln((1 + e)/2)
    assert entropic_risk([0.0, 2.0], 0.5) == pytest.approx(2 * math.log((1 + math.e) / 2))


@pytest.mark.parametrize(
    "change, orientation, expected",
    [
        (0.03, "gain", 0.0),  # inside the dead band
        (-0.05, "gain", 0.0),
        (0.0790, "gain", -0.5),  # halfway from 5 % to 10.79 %: price up, take risk
        (-0.0790, "gain", 0.5),  # price down, avoid risk
        (-0.30, "gain", 1.0),  # past the limit
        (0.1642, "loss", 0.5),  # cost up halfway from 5 % to 27.84 %
        (-0.0905, "loss", -0.5),  # cost down halfway from 5 % to 13.10 %
    ],
)
def test_alpha_mapping(change, orientation, expected):
    upper = 0.2784 if orientation == "loss" else 0.1079
    lower = -0.1310 if orientation == "loss" else -0.1079
    assert alpha_from_change(change, 0.05, lower, upper, orientation) == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda: entropic_risk([1.0, 2.0], 1.5), ConfigError, r"alpha: .*\[-1, 1\]"),
        (lambda: entropic_risk([1.0, 2.0], -1.01), ConfigError, "alpha"),
        (lambda: entropic_risk([], 0.5), DataError, "losses"),
        (lambda: entropic_risk([1.0], 0.5, scale=0), ConfigError, "scale"),
        (lambda: value_at_risk([1.0, 2.0], 1.0), ConfigError, "level"),
        (lambda: conditional_value_at_risk([], 0.9), DataError, "losses"),
        (lambda: alpha_from_change(0.1, 0.2, -0.1, 0.1), ConfigError, "dead_band"),
        (lambda: alpha_from_change(0.1, 0.0, 0.1, 0.2), ConfigError, "limits"),
        (lambda: alpha_from_change(0.1, 0.0, -0.1, 0.2, "profit"), ConfigError, "orientation"),
        (lambda: analytic_uncertainty([], "sum"), DataError, "at least one"),
        (lambda: analytic_uncertainty([0.1], "ratio"), ConfigError, "combine"),
        (lambda: analytic_uncertainty([0.1, 0.2], "sum"), ConfigError, "weights"),
        (lambda: analytic_uncertainty([-0.1], "product"), DataError, "non-negative"),
        (lambda: monte_carlo_total([stats.norm()], correlation=np.eye(2)), ConfigError, "correlation"),
    ],
)
def test_bad_input_fails_clearly(call, error, text):
    with pytest.raises(error, match=text):
        call()
