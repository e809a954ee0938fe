import math

import numpy as np
import pytest
from scipy import stats

from minectl.errors import ConfigError, DataError
from minectl.uncertainty.distributions import (
    FAMILIES,
    anderson_darling,
    anderson_darling_pvalue,
    fit_all,
    fit_distribution,
)


@pytest.fixture(scope="module")
def tbf():
    return np.random.default_rng(5).weibull(1.4, size=300) * 120.0


def test_lognormal_mle_equals_closed_form(tbf):
    fit = fit_distribution(tbf, "lognormal")
    logs = np.log(tbf)
    shape, loc, scale = fit.params
    assert loc == 0
    assert shape == pytest.approx(logs.std(ddof=0), rel=1e-6)
    assert math.log(scale) == pytest.approx(logs.mean(), rel=1e-6)


def test_normal_and_exponential_mle_closed_form(tbf):
    normal = fit_distribution(tbf, "normal")
    assert normal.params == pytest.approx((tbf.mean(), tbf.std(ddof=0)))
    expo = fit_distribution(tbf, "exponential")
    assert expo.params == pytest.approx((0.0, tbf.mean()))
    n = tbf.size
    assert expo.log_likelihood == pytest.approx(-n * math.log(tbf.mean()) - n)


@pytest.mark.parametrize("family, scipy_name", [("weibull", "weibull_min"), ("gamma", "gamma")])
def test_fit_matches_scipy_fit_and_information_criteria(tbf, family, scipy_name):
    fit = fit_distribution(tbf, family)
    ref = getattr(stats, scipy_name).fit(tbf, floc=0)
    assert fit.params == pytest.approx(ref, rel=1e-6)
    loglik = getattr(stats, scipy_name).logpdf(tbf, *ref).sum()
    assert fit.aic == pytest.approx(2 * 2 - 2 * loglik)
    assert fit.bic == pytest.approx(2 * math.log(tbf.size) - 2 * loglik)
    assert fit.ks_stat == pytest.approx(stats.kstest(tbf, scipy_name, args=ref).statistic)


def test_bic_selects_the_generating_family(tbf):
    fits = fit_all(tbf)
    assert fits[0].family == "weibull"
    assert fits[0].ks_pvalue > 0.05 and fits[0].ad_pvalue > 0.05
    assert [f.bic for f in fits] == sorted(f.bic for f in fits)
    assert fits[0].frozen().mean() == pytest.approx(tbf.mean(), rel=0.05)


def test_positive_families_skipped_for_signed_data():
    returns = np.random.default_rng(2).normal(0.0, 0.05, size=200)
    fits = fit_all(returns)
    assert {f.family for f in fits} == set(FAMILIES) - {"lognormal", "gamma", "weibull", "exponential"}
    assert fits[0].family == "normal"


def test_anderson_darling_statistic_equals_scipy_for_normal():
    x = np.random.default_rng(9).normal(10, 2, size=80)
    ref = stats.anderson(x, "norm", method="interpolate")
    # scipy's A^2 uses the sample mean and the ddof=1 standard deviation
    ours = anderson_darling(np.sort(x), stats.norm(x.mean(), x.std(ddof=1)).cdf)
    assert ours == pytest.approx(ref.statistic, rel=1e-10)


def test_anderson_darling_pvalue_at_published_critical_values():
    # case 0 (fully specified) asymptotic critical values: 1.933 (10 %), 2.492 (5 %), 3.857 (1 %)
    assert anderson_darling_pvalue(1.933) == pytest.approx(0.10, abs=0.002)
    assert anderson_darling_pvalue(2.492) == pytest.approx(0.05, abs=0.001)
    assert anderson_darling_pvalue(3.857) == pytest.approx(0.01, abs=0.0005)


@pytest.mark.parametrize(
    "values, family, error, text",
    [
        ([], "normal", DataError, "at least 3"),
        ([4.0, 4.0, 4.0, 4.0], "normal", DataError, "constant"),
        ([1.0, -2.0, 3.0], "lognormal", DataError, "positive"),
        ([1.0, 2.0, 3.0], "cauchy", ConfigError, "families"),
    ],
)
def test_bad_input_fails_clearly(values, family, error, text):
    with pytest.raises(error, match=text):
        fit_distribution(values, family)


def test_fit_all_constant_series_fails():
    with pytest.raises(DataError, match="constant"):
        fit_all([2.0] * 10)
