"""Issue 15, uncertainty: the autocorrelation test before the bootstrap (checked against hand
figures and statsmodels), the Politis-White block length (against the AR(1) theory), VaR / CVaR
named by the data's own period, and "no family fits" when every fit is rejected."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest
from scipy.stats import chi2
from statsmodels.stats.diagnostic import acorr_ljungbox

from minectl.errors import ConfigError
from minectl.uncertainty.analysis import analyse_series, series_metrics
from minectl.uncertainty.bootstrap import bootstrap_ci
from minectl.uncertainty.dependence import autocorrelations, choose_bootstrap, ljung_box, politis_white_block
from minectl.uncertainty.distributions import fit_all
from minectl.uncertainty.series import row_period


def ar1(phi: float, n: int, rng) -> np.ndarray:
    e = rng.normal(size=n + 200)
    x = np.zeros_like(e)
    for t in range(1, len(e)):
        x[t] = phi * x[t - 1] + e[t]
    return x[200:]


def test_acf_and_ljung_box_by_hand():
    # x = 1..4: deviations -1.5 -0.5 0.5 1.5; R0 = 5/4, R1 = (0.75 - 0.25 + 0.75)/4 = 0.3125 -> r1 = 0.25
    assert autocorrelations(np.array([1.0, 2, 3, 4]), 1)[0] == pytest.approx(0.25)
    q, p = ljung_box(np.array([1.0, 2, 3, 4]), 1)  # Q = n(n+2) r1^2/(n-1) = 4*6*0.0625/3
    assert q == pytest.approx(0.5) and p == pytest.approx(chi2.sf(0.5, 1))


@pytest.mark.parametrize("phi", [0.0, 0.3, 0.9])
def test_ljung_box_equals_statsmodels(phi):
    x = ar1(phi, 400, np.random.default_rng(1))
    expected = acorr_ljungbox(x, lags=[10])
    q, p = ljung_box(x, 10)
    assert q == pytest.approx(float(expected["lb_stat"].iloc[0]), rel=1e-10)
    assert p == pytest.approx(float(expected["lb_pvalue"].iloc[0]), rel=1e-8, abs=1e-300)


@pytest.mark.parametrize("phi", [0.5, 0.8])
def test_politis_white_matches_the_ar1_optimum(phi):
    # moving / circular blocks, AR(1): G / sum R = 2 phi / (1 - phi^2), b = (3/2 (G / sum R)^2)^(1/3) n^(1/3)
    n = 5000
    theory = (1.5 * (2 * phi / (1 - phi**2)) ** 2) ** (1 / 3) * n ** (1 / 3)
    rng = np.random.default_rng(7)
    estimates = [politis_white_block(ar1(phi, n, rng)) for _ in range(6)]
    assert np.mean(estimates) == pytest.approx(theory, rel=0.2)


def test_the_test_chooses_the_bootstrap():
    rng = np.random.default_rng(3)
    noise, walk = rng.normal(size=300), ar1(0.9, 300, rng)
    assert choose_bootstrap(noise, None, 0.05, True).chosen == "iid"
    chosen = choose_bootstrap(walk, None, 0.05, True)
    assert chosen.autocorrelated and chosen.chosen == "automatic"
    assert chosen.block_length == max(2, round(politis_white_block(walk)))
    fixed = choose_bootstrap(walk, 24, 0.05, True)
    assert (fixed.block_length, fixed.chosen) == (24, "fixed")
    # the interval is the block bootstrap's with that length; an i.i.d. series keeps today's interval
    kwargs = dict(statistic="mean", q=0.5, method="percentile", confidence=0.95, n_resamples=499, families=["normal"],
                  random_state=0, advance=lambda n: None)
    result, _, dependence = analyse_series(walk, block_length=None, test_alpha=0.05, **kwargs)
    same = bootstrap_ci(walk, "mean", n_resamples=499, block_length=dependence.block_length, random_state=0)
    assert (result.low, result.high) == (same.low, same.high)
    iid = bootstrap_ci(walk, "mean", n_resamples=499, random_state=0)
    assert result.high - result.low > 2 * (iid.high - iid.low)  # the i.i.d. interval is far too narrow here
    result, _, _ = analyse_series(noise, block_length=None, test_alpha=0.05, **kwargs)
    old, _, none = analyse_series(noise, block_length=None, test_alpha=None, **kwargs)
    assert none is None and (result.low, result.high) == (old.low, old.high)


def test_no_family_fits_when_every_fit_is_rejected():
    rng = np.random.default_rng(5)
    regimes = np.r_[rng.normal(10, 0.5, 300), rng.normal(100, 5, 300)]  # a switch of regime: bimodal
    fits = fit_all(regimes, ("normal", "lognormal", "gamma", "weibull"))
    result = bootstrap_ci(regimes, n_resamples=99)
    m = series_metrics(result, fits, 0.05)
    assert m["no_family_fits"] and m["families_fitting"] == 0 and "best_fit" not in m
    fits = fit_all(rng.normal(50, 5, 300), ("normal", "uniform"))
    m = series_metrics(result, fits, 0.05)
    assert m["families_fitting"] >= 1 and m["best_fit"]["bic"] == fits[0].bic and "no_family_fits" not in m


@pytest.mark.parametrize(("dates", "period"), [
    (["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05"], "day"),
    (["2024-01-01 00:00", "2024-01-01 01:00", "2024-01-01 02:00"], "hour"),
    (["2020-01", "2020-02", "2020-03", "2020-04"], "month"),
    (["2020-01-06", "2020-01-13", "2020-01-20"], "week"),
    (["2019-01-01", "2020-01-01", "2021-01-01"], "year"),
])
def test_period_of_a_row_from_its_dates(tmp_path, dates, period):
    path = tmp_path / "p.csv"
    pl.DataFrame({"date": dates, "price": np.arange(len(dates), dtype=float) + 1}).write_csv(path)
    assert row_period(path, None, "date") == period
    # the file's own date column, not named, says it too (shift over it called a day's VaR a shift's)
    assert row_period(path, None, None, "price") == period == row_period(path, period, None, "price")
    undated = tmp_path / "undated.csv"
    pl.DataFrame({"price": [1.0, 2.0, 3.0]}).write_csv(undated)
    assert row_period(undated, None, None) == "period" and row_period(undated, "shift", None) == "shift"
    with pytest.raises(ConfigError, match="dataset.frequency: 'fortnight'"):
        row_period(path, "fortnight", None)


def test_daily_prices_give_next_day_var(tmp_path):
    from typer.testing import CliRunner

    from minectl.cli import app

    rng = np.random.default_rng(2)
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(120)]
    price = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 120)))
    pl.DataFrame({"date": days, "price": price}).write_csv(tmp_path / "daily.csv")
    run = tmp_path / "run"
    result = CliRunner().invoke(app, [
        "uncertainty", f"dataset.path={tmp_path / 'daily.csv'}", "dataset.column=price", "dataset.date_column=date",
        "dataset.name=daily", "dataset.transforms=[level,log_return]", "revenue.output=1000", "uncertainty.n_resamples=199",
        "uncertainty.families=[normal,lognormal]", f"hydra.run.dir={run}"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # the console wraps lines
    assert "revenue risk: next day" in said and "level: lag-1 ACF" in said and "moving blocks of" in said
    table = pl.read_parquet(run / "tables" / "revenue_risk.parquet")
    assert table["horizon"].to_list() == ["next day"]
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["uncertainty.level.dependence.autocorrelated"] == 1
    assert metrics["uncertainty.level.dependence.block_length"] == max(2, round(politis_white_block(price)))
