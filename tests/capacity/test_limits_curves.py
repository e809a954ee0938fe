import numpy as np
import pytest
from scipy import stats

from minectl.capacity.curves import CostCurve, fit_cobweb, fit_cost_curves
from minectl.capacity.limits import intensity_limit, links_limit, min_profitable_scale, reserves_limit
from minectl.errors import ConfigError, DataError


def test_seed_reserve_limit():
    # seed 003, 3.3(1): 740 Mt, 15 years, reserve coefficient 1.1 -> 44.8 Mt/a
    assert round(reserves_limit(740e6, 15, 1.1) / 1e6, 1) == 44.8


def test_seed_links_limit():
    # seed 003, 3.3(2): min(110, 91.5, 99.5) Mm3 / (3.11 + 1) -> 22.26 Mt/a
    assert round(links_limit([110e6, 91.5e6, 99.5e6], 3.11) / 1e6, 2) == 22.26


def test_intensity_limit_by_hand():
    # the seed's 26.88 Mt/a is 1500 m x 400 m/a x 32 m x 1.4 t/m3; its stated 1700 m gives 30.464
    assert intensity_limit(1500, 400, 32, 1.4) == pytest.approx(26.88e6)
    assert intensity_limit(1700, 400, 32, 1.4, loss=0.03, dilution=0.03) == pytest.approx(30.464e6)
    assert intensity_limit(100, 10, 2, 1.5, loss=0.1, dilution=0.25) == pytest.approx(3000 * 0.9 / 0.75)


def test_min_profitable_scale_by_hand():
    # 0.9 * 1e8 / (300 - 0.95 * 200) = 9e7 / 110
    assert min_profitable_scale(1e8, 200, 300) == pytest.approx(9e7 / 110)


@pytest.mark.parametrize(
    "call, text",
    [
        (lambda: links_limit([110e6, -91.5e6], 3.11), r"^link_capacities_m3_a\[1\]: expected a positive"),
        (lambda: links_limit([], 3.11), "at least one"),
        (lambda: links_limit([1.0], -1), "stripping_ratio"),
        (lambda: reserves_limit(-740e6, 15), "reserves"),
        (lambda: reserves_limit(740e6, 0), "service_life"),
        (lambda: intensity_limit(1700, 400, 32, 1.4, loss=1.2), "loss"),
        (lambda: min_profitable_scale(1e8, 400, 300), "price"),
        (lambda: min_profitable_scale(-1e8, 100, 300), "fixed_cost"),
    ],
)
def test_bad_limits_fail_clearly(call, text):
    with pytest.raises(ConfigError, match=text):
        call()


def test_quadratic_cost_curve_recovers_seed_coefficients():
    q = np.linspace(150, 450, 12)
    cost = 3.919 * q**2 - 2428 * q + 386300
    curve = CostCurve("quadratic").fit(q, cost)
    np.testing.assert_allclose(curve.coef_, [386300, -2428, 3.919], rtol=1e-8)
    assert curve.r2_ == pytest.approx(1.0)


def test_r2_and_f_test_match_linregress():
    rng = np.random.default_rng(0)
    q = np.linspace(1, 20, 25)
    cost = 50 + 3 * q + rng.normal(0, 4, q.size)
    curve = CostCurve("linear").fit(q, cost)
    ref = stats.linregress(q, cost)
    assert curve.r2_ == pytest.approx(ref.rvalue**2)
    assert curve.p_value_ == pytest.approx(ref.pvalue, rel=1e-8)  # F test with 1 slope = t test


def test_power_form_and_best_pick():
    q = np.linspace(1, 50, 30)
    cost = 7.0 * q**0.6 * np.exp(np.random.default_rng(1).normal(0, 0.01, q.size))
    curve = CostCurve("power").fit(q, cost)
    assert np.exp(curve.coef_[0]) == pytest.approx(7.0, rel=0.02)
    assert curve.coef_[1] == pytest.approx(0.6, abs=0.01)
    ranked = fit_cost_curves(q, cost)
    assert ranked[0].form == "power"
    assert {c.form for c in ranked} == {"linear", "quadratic", "cubic", "power", "logarithmic", "exponential"}


def test_cost_curve_bad_input():
    with pytest.raises(ConfigError, match="form"):
        CostCurve("spline").fit([1, 2, 3, 4], [1, 2, 3, 4])
    with pytest.raises(DataError, match="at least 5"):
        CostCurve("cubic").fit([1, 2, 3, 4], [1, 2, 3, 5])
    with pytest.raises(DataError, match="as many"):
        fit_cost_curves([1, 2, 3], [1, 2])


def test_cobweb_recovers_simulated_coefficients():
    a1, b1, a2, b2 = 10.0, 0.5, 40.0, -1.2
    rng = np.random.default_rng(2)
    p = [20.0]
    q = [a1 + b1 * 20.0]
    for _ in range(200):
        q.append(a1 + b1 * p[-1] + rng.normal(0, 0.5))
        p.append(a2 + b2 * q[-1] + rng.normal(0, 0.5))
    model = fit_cobweb(q[1:], p[1:])
    assert (model.a1, model.b1, model.a2, model.b2) == pytest.approx((a1, b1, a2, b2), rel=0.1)
    assert model.stable
    assert model.equilibrium_price == pytest.approx((a2 + b2 * a1) / (1 - b1 * b2), rel=0.05)


def test_cobweb_needs_four_periods():
    with pytest.raises(DataError, match="at least 4"):
        fit_cobweb([1, 2, 3], [3, 2, 1])
