"""Bad-input corpus, round 10b (stats): the statistics of `minectl uncertainty` on degenerate and
censored samples, checked against scipy and hand-computed figures.

Silent before: every failure at one value with no suspension beyond it (failures found at a
100 h inspection, units taken out earlier) has no censored MLE for a family with a spread: a spike
at that value makes ln L unbounded, and the run ranked a Weibull of shape inf first (BIC -8441,
best_fit.mean 100 h against an MTBF of 197.2 h, exit 0). A censored gamma fit of one failure among
later suspensions stopped where scipy's start left it (shape 3.5e4, ln L -23,689, below the
exponential it contains, -6.01). All values censored crashed in fit_all (numpy ValueError).
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from harness import invoke
from scipy import stats

from minectl.errors import DataError
from minectl.uncertainty.distributions import fit_all, fit_distribution

# 6 failures found at the 100 h inspection, 8 units taken out of service before it
TIED_HOURS = [100, 40, 100, 50, 60, 100, 70, 100, 80, 90, 100, 95, 98, 100]
TIED_SUSPENDED = [0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1, 0]


def _run(tmp_path: Path, hours, suspended) -> tuple[dict, str]:
    path = tmp_path / "log.csv"
    path.write_text("hours,suspended\n" + "".join(f"{h},{s}\n" for h, s in zip(hours, suspended, strict=True)))
    run = tmp_path / "run"
    result = invoke("uncertainty", f"dataset.path={path}", "dataset.column=hours", "dataset.group_by=null",
                    "dataset.date_column=null", "dataset.transforms=[level]", "dataset.censored_column=suspended",
                    "uncertainty.n_resamples=200", "uncertainty.autocorrelation_alpha=null", "report=false",
                    f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text()), result.output


def test_tied_failures_without_a_later_suspension_have_no_spread_to_fit(tmp_path):
    metrics, output = _run(tmp_path, TIED_HOURS, TIED_SUSPENDED)
    mtbf = sum(TIED_HOURS) / TIED_SUSPENDED.count(0)  # 1183 / 6
    assert metrics["uncertainty.level.estimate"] == pytest.approx(mtbf)
    # only the exponential has an MLE here; its mean is the MTBF (it was a Weibull of shape inf, mean 100)
    assert metrics["uncertainty.level.best_fit.mean"] == pytest.approx(mtbf, rel=1e-6)
    assert math.isfinite(metrics["uncertainty.level.best_fit.bic"]) and metrics["uncertainty.level.best_fit.bic"] > 0
    assert "every failure is at 100 and no suspension lies beyond it" in " ".join(output.split())


def test_tied_failures_with_a_later_suspension_keep_every_family(tmp_path):
    """The near miss: one suspension beyond the tied failures bounds the likelihood (S -> 0 for a spike)."""
    hours = TIED_HOURS[:-1] + [150]
    x, censored = np.array(hours, float), np.array(TIED_SUSPENDED[:-1] + [1], bool)
    fits = fit_all(x, ("normal", "lognormal", "gamma", "weibull", "exponential"), censored=censored)
    assert len(fits) == 5 and all(np.isfinite(f.params).all() for f in fits)
    weibull = next(f for f in fits if f.family == "weibull")
    data = stats.CensoredData(uncensored=x[~censored], right=x[censored])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        shape, _, scale = stats.weibull_min.fit(data, floc=0)
    expected = stats.weibull_min(shape, 0, scale)
    scipy_loglik = np.sum(expected.logpdf(x[~censored])) + np.sum(expected.logsf(x[censored]))
    assert weibull.log_likelihood >= scipy_loglik - 1e-6


def test_tied_failures_named_by_fit_distribution():
    x, censored = np.array(TIED_HOURS, float), np.array(TIED_SUSPENDED, bool)
    with pytest.raises(DataError, match="weibull: no maximum-likelihood fit: every failure is at 100"):
        fit_distribution(x, "weibull", censored=censored)
    assert fit_distribution(x, "exponential", censored=censored).params[1] == pytest.approx(1183 / 6, rel=1e-7)


def test_censored_gamma_not_below_the_exponential_it_contains():
    """One failure at 10 h, four suspensions after it: scipy's own start gives gamma shape 3.5e4."""
    x, censored = np.array([10, 20, 30, 40, 50.0]), np.array([0, 1, 1, 1, 1], bool)
    exponential = fit_distribution(x, "exponential", censored=censored)
    assert exponential.log_likelihood == pytest.approx(-math.log(150) - 1)  # r ln(T / r) + r, T / r = 150
    gamma = fit_distribution(x, "gamma", censored=censored)
    assert gamma.log_likelihood >= exponential.log_likelihood
    assert gamma.params[0] == pytest.approx(0.8627, rel=1e-3)  # scipy's fit started from shape 1, scale 150


@pytest.mark.parametrize("flags", [[1, 1, 1, 1, 1], [0, 1, 1]], ids=["all-censored", "wrong-length"])
def test_censored_flags_checked(flags):
    with pytest.raises(DataError, match="censored"):
        fit_all(np.array([10, 20, 30, 40, 50.0]), censored=np.array(flags, bool))


# --- propagation: a credit among the cost items ----------------------------------------------------

def test_credit_item_propagated_like_any_other(tmp_path):
    """A by-product credit (negative item) was refused after the whole run ("weights: expected 3
    non-negative shares"); a sum's deviations add in quadrature whatever an item's sign."""
    rng = np.random.default_rng(3)
    ore, energy, credit = rng.gamma(5, 100, 60), rng.normal(300, 40, 60), -rng.gamma(4, 20, 60)
    path = tmp_path / "items.csv"
    path.write_text("cost,ore,energy,credit\n" + "".join(f"{a + b + c},{a},{b},{c}\n" for a, b, c in zip(ore, energy, credit, strict=True)))
    run = tmp_path / "run"
    result = invoke("uncertainty", f"dataset.path={path}", "dataset.column=cost", "dataset.group_by=null", "dataset.date_column=null",
                    "dataset.transforms=[level]", "dataset.cost_items=[ore,energy,credit]", "uncertainty.copula=false",
                    "uncertainty.n_resamples=200", "uncertainty.mc_samples=200000", "report=false", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((run / "metrics.json").read_text())
    analytic = [metrics[f"uncertainty.propagation.analytic.range_{end}_pct"] for end in ("low", "high")]
    simulated = [metrics[f"uncertainty.propagation.monte_carlo.range_{end}_pct"] for end in ("low", "high")]
    assert analytic[0] < 0 < analytic[1]
    assert analytic == pytest.approx(simulated, abs=2.0)  # independent items: quadrature is the simulation's range


def test_credit_share_in_the_analytic_sum():
    from minectl.uncertainty.propagation import analytic_uncertainty

    # deviations 10 and 8 of items 100 and -40 (total 60): sqrt(10^2 + 8^2) / 60
    assert analytic_uncertainty([0.10, 0.20], "sum", weights=[100, -40]) == pytest.approx(math.hypot(10, 8) / 60)


# --- PCA of cost items ---------------------------------------------------------------------------

def test_pca_refuses_an_item_constant_up_to_rounding():
    from minectl.capacity.pca import CostFactorPCA

    rng = np.random.default_rng(0)
    a = rng.normal(100, 10, 24)
    items = np.column_stack([a, a * 0.5 + rng.normal(0, 3, 24), rng.normal(50, 5, 24)])
    quantity = rng.uniform(1, 10, 24)
    price = 7.3 * quantity / quantity  # spread 2e-15: rounding, no variation
    with pytest.raises(DataError, match="column 3 is constant"):
        CostFactorPCA().fit(np.column_stack([items, price]))
    assert CostFactorPCA().fit(np.column_stack([items, price + rng.normal(0, 1e-3, 24)])).weights_.size == 4


def test_implied_cost_of_a_basic_interval_below_zero_says_why(tmp_path):
    """A basic interval (2 x estimate - high) of a skewed log reaches below 0 h: the refusal said
    only "needs a positive interval", not where the interval went nor what to choose instead."""
    path = tmp_path / "log.csv"
    path.write_text("tbf\n" + "".join(f"{v}\n" for v in (1, 2, 1, 3, 2, 1, 900, 2, 1, 3)))
    result = invoke("uncertainty", f"dataset.path={path}", "dataset.column=tbf", "dataset.group_by=null", "dataset.date_column=null",
                    "dataset.transforms=[level]", "uncertainty.method=basic", "implied_cost.cost_per_event=1000",
                    "implied_cost.operating_hours=6000", "uncertainty.n_resamples=999", "report=false",
                    f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 2 and "Traceback" not in result.output
    line = " ".join(result.output.split()).split("error: ")[-1]
    assert "mean time between events reaches -" in line and "uncertainty.method=percentile or bca" in line


def test_a_price_at_a_fixed_growth_rate_has_no_returns_to_fit(tmp_path):
    """Up 1 % a month (an escalation clause): the log returns spread 9e-16 of rounding, which was fitted
    (best fit uniform of width 9e-16, 'no family fits'), exit 0. A price that moves is still fitted."""
    import polars as pl
    from harness import assert_refused, invoke

    months = [f"{2015 + i // 12}-{i % 12 + 1:02d}" for i in range(36)]
    args = ["uncertainty", "dataset.column=price", "dataset.group_by=null", "dataset.date_column=null",
            "dataset.transforms=[level,log_return]", "uncertainty.n_resamples=99", "uncertainty.families=[normal]",
            "uncertainty.autocorrelation_alpha=null", "report=false"]
    fixed = tmp_path / "fixed.csv"
    pl.DataFrame({"month": months, "price": [100 * 1.01**i for i in range(36)]}).write_csv(fixed)
    assert_refused([*args, f"dataset.path={fixed}", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(fixed), "every log_return is 0.00995033 up to rounding", "expected dataset.transforms without 'log_return'"],
                   inputs=[fixed], run_dir=tmp_path / "run")
    moving = tmp_path / "moving.csv"
    pl.DataFrame({"month": months, "price": [100 * 1.01**i * (1 + 0.02 * (i % 3)) for i in range(36)]}).write_csv(moving)
    result = invoke(*args, f"dataset.path={moving}", f"hydra.run.dir={tmp_path / 'ok'}")
    assert result.exit_code == 0, result.output
