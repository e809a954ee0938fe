import numpy as np
import pytest
from sklearn.base import clone

from minectl.capacity.optimal import (
    lognormal_errors,
    marginal_revenue,
    optimal_capacity,
    risk_adjusted_error,
    rolling_capacity,
)
from minectl.capacity.pca import CostFactorPCA
from minectl.errors import ConfigError, DataError


@pytest.fixture(scope="module")
def cost_items():
    rng = np.random.default_rng(7)
    base = rng.normal(size=(40, 2))
    return np.column_stack([base[:, 0], base[:, 0] + 0.1 * rng.normal(size=40), base[:, 1], rng.normal(size=40)])


def test_pca_matches_numpy_eigendecomposition(cost_items):
    pca = CostFactorPCA().fit(cost_items)
    corr = np.corrcoef(cost_items, rowvar=False)
    np.testing.assert_allclose(pca.eigenvalues_, np.sort(np.linalg.eigvalsh(corr))[::-1], atol=1e-12)
    for value, vector in zip(pca.eigenvalues_, pca.components_, strict=True):
        np.testing.assert_allclose(corr @ vector, value * vector, atol=1e-10)
    assert pca.contribution_.sum() == pytest.approx(1.0)
    assert pca.cumulative_[pca.n_components_ - 1] >= 0.8 > pca.cumulative_[pca.n_components_ - 2]


def test_pca_weights_by_hand_two_items():
    # two items with correlation r: eigenvalues 1+r, 1-r, vectors (1,1)/sqrt2, (1,-1)/sqrt2
    x = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 5.0], [4.0, 3.0]])
    r = np.corrcoef(x, rowvar=False)[0, 1]
    pca = CostFactorPCA(threshold=0.5).fit(x)
    assert pca.eigenvalues_ == pytest.approx([1 + r, 1 - r])
    assert pca.n_components_ == 1
    assert pca.weights_ == pytest.approx([0.5, 0.5])


def test_pca_key_factors_and_params(cost_items):
    pca = CostFactorPCA(threshold=0.9).fit(cost_items)
    names = ["electricity", "labour", "stripping", "safety"]
    assert len(pca.key_factors(names, top=2)) == 2
    assert clone(pca).get_params() == {"threshold": 0.9}
    with pytest.raises(ConfigError, match="names"):
        pca.key_factors(names[:3])


@pytest.mark.parametrize(
    "x, estimator, error, text",
    [
        (np.ones((5, 3)), CostFactorPCA(), DataError, "constant"),
        (np.zeros((2, 3)), CostFactorPCA(), DataError, "at least 3 periods"),
        (np.random.default_rng(0).normal(size=(5, 3)), CostFactorPCA(threshold=1.5), ConfigError, "threshold"),
    ],
)
def test_pca_bad_input(x, estimator, error, text):
    with pytest.raises(error, match=text):
        estimator.fit(x)


PRICE = lambda q: 300.0 + 0 * q  # noqa: E731 - the seed's 300 yuan/t, price taker
COST = lambda q: 3.919 * q**2 - 2428 * q + 386300  # noqa: E731 - seed 003 eq in 3.5.2


def test_optimum_matches_closed_form_marginal_revenue():
    # MR = 300 (1 + eP) - (1 + eZ)(7.838 Q - 2428) = 0
    e_p, e_z = -0.02, 0.07
    expected = (300 * (1 + e_p) / (1 + e_z) + 2428) / 7.838
    decision = optimal_capacity(PRICE, COST, 0.0, 1000.0, e_p, e_z)
    assert decision.optimal == pytest.approx(expected, rel=1e-7)
    assert decision.binding == "interior"
    assert marginal_revenue(decision.optimal, PRICE, COST, e_p, e_z) == pytest.approx(0.0, abs=1e-3)


def test_optimum_clipped_to_technical_limit():
    decision = optimal_capacity(PRICE, COST, 0.0, 185.5)
    assert decision.optimal == pytest.approx(185.5)
    assert decision.binding == "upper"
    assert decision.unconstrained == pytest.approx((300 + 2428) / 7.838, rel=1e-7)
    assert decision.marginal_revenue > 0


def test_lognormal_errors_hit_their_range():
    e = lognormal_errors(-0.1305, 0.2768)
    assert np.quantile(e, [0.025, 0.975]) == pytest.approx([-0.1305, 0.2768], abs=2e-3)


def test_risk_adjusted_errors_move_against_a_risk_averse_planner():
    e = lognormal_errors(-0.1079, 0.1079)
    mean = e.mean()
    assert risk_adjusted_error(e, 0.0, "gain") == pytest.approx(mean)
    assert risk_adjusted_error(e, 0.5, "gain") < mean < risk_adjusted_error(e, -0.5, "gain")
    assert risk_adjusted_error(e, 0.5, "loss") > mean > risk_adjusted_error(e, -0.5, "loss")
    with pytest.raises(ConfigError, match="alpha"):
        risk_adjusted_error(e, 2.0, "gain")


def test_rolling_capacity_follows_price_moves():
    e_p, e_z = lognormal_errors(-0.1079, 0.1079), lognormal_errors(-0.1305, 0.2768)
    rows = rolling_capacity(
        [300.0, 330.0, 330.0, 290.0], PRICE, COST, 0.0, 1000.0, e_p, e_z, (-0.1079, 0.1079), (-0.1305, 0.2768)
    )
    assert [r["alpha_price"] for r in rows] == pytest.approx([-0.8637, 0.0, 1.0], abs=1e-3)
    assert [r["alpha_cost"] for r in rows] == [0.0, 0.0, 0.0]
    expected_q1 = (330 * (1 + rows[0]["e_price"]) / (1 + rows[0]["e_cost"]) + 2428) / 7.838
    assert rows[0]["optimal"] == pytest.approx(expected_q1, rel=1e-7)
    assert rows[0]["optimal"] > rows[2]["optimal"]


@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda: optimal_capacity(PRICE, COST, 10.0, 5.0), ConfigError, "limits"),
        (lambda: optimal_capacity(PRICE, COST, -1.0, 5.0), ConfigError, "limits"),
        (lambda: lognormal_errors(0.1, 0.2), ConfigError, "error_range: expected -1 < lower < 0 < upper"),
        (lambda: rolling_capacity([300.0], PRICE, COST, 0, 1, [0, 1], [0, 1], (-0.1, 0.1), (-0.1, 0.1)), DataError, "prices"),
        (lambda: risk_adjusted_error([0.1, 0.1], 0.5, "gain"), DataError, "errors"),
    ],
)
def test_optimal_bad_input(call, error, text):
    with pytest.raises(error, match=text):
        call()
