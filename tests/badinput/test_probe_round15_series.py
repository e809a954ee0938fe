"""Round-15 probe of `minectl uncertainty` on equipment-failure data: the implied maintenance cost.

The implied cost is cost_per_event x operating_hours / MTBF, printed "a year". With
uncertainty.statistic=median (or std, or a quantile) the figure divided by was that statistic, printed
as "MTBF 23 h": machine A's median time between failures made the cost 2.2 times the MTBF's, exit 0.
And operating_hours=10000 "a year" (more hours than a year has: hours of two years, or a fleet's) gave
a yearly cost no year can have, exit 0. Both are refused now; the fits of the lifetime families are
checked against scipy.stats by hand.

`minectl forecast series=australia source.value_column=coal_south_africa_usd_mt` forecast Australia's
prices without a word (a vendored series has its own columns); the unread column is said now.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from harness import assert_refused, invoke
from scipy import stats

# Kumar et al. (1989), LHD machine A: times between failures (h), ties and all
MACHINE_A = [16, 23, 32, 24, 3, 12, 4, 112, 68, 50, 211, 44, 158, 65, 14, 114, 90, 35, 55, 60, 28, 27,
             30, 134, 89, 18, 32, 51, 10, 36, 24, 3, 15, 54, 26, 76, 72, 2, 54, 29, 164, 4, 4, 18]
COST = ["implied_cost.cost_per_event=20000", "implied_cost.operating_hours=6000"]


def _tbf_file(tmp_path: Path) -> Path:
    path = tmp_path / "tbf.csv"
    path.write_text("tbf\n" + "".join(f"{h}\n" for h in MACHINE_A))
    return path


def _args(path: Path, run: Path, *extra: str) -> list[str]:
    return ["uncertainty", f"dataset.path={path}", "dataset.column=tbf", "dataset.group_by=null", "dataset.transforms=[level]",
            "uncertainty.method=percentile", "uncertainty.n_resamples=199", "uncertainty.autocorrelation_alpha=null",
            "uncertainty.families=[exponential,weibull,gamma,lognormal]", "report=false", f"hydra.run.dir={run}", *extra]


@pytest.mark.parametrize("statistic", ["median", "std"])
def test_an_implied_cost_divided_by_another_statistic_than_the_mtbf_is_refused(tmp_path: Path, statistic: str) -> None:
    path = _tbf_file(tmp_path)
    assert_refused(_args(path, tmp_path / "run", *COST, f"uncertainty.statistic={statistic}"),
                   [f"uncertainty.statistic={statistic}", "implied cost divides by the MTBF", "expected mean"],
                   inputs=[path], run_dir=tmp_path / "run")


def test_more_operating_hours_than_a_year_has_are_refused(tmp_path: Path) -> None:
    path, hours = _tbf_file(tmp_path), "8785"  # a leap year has 8784
    assert_refused(_args(path, tmp_path / "run", "implied_cost.cost_per_event=20000", f"implied_cost.operating_hours={hours}"),
                   [f"implied_cost.operating_hours={hours}", "more than a year has", "at most 8784"],
                   inputs=[path], run_dir=tmp_path / "run")


def test_the_implied_cost_and_lifetime_fits_of_machine_a_by_hand(tmp_path: Path) -> None:
    """Near miss: the mean (the MTBF) and a leap year's every hour still give cost = c H / MTBF, the CI ends
    swapped; Weibull, gamma, lognormal (location 0) and exponential fits: ln L, K-S and A-D by scipy / by hand."""
    import polars as pl

    run, hours = tmp_path / "run", 8784.0
    result = invoke(*_args(_tbf_file(tmp_path), run, "implied_cost.cost_per_event=20000", f"implied_cost.operating_hours={hours:g}"))
    assert result.exit_code == 0, result.output
    metrics = json.loads((run / "metrics.json").read_text())
    x = np.array(MACHINE_A, float)
    assert metrics["uncertainty.level.estimate"] == pytest.approx(49.77272727272727, rel=1e-12)
    assert metrics["uncertainty.level.implied_cost.cost"] == pytest.approx(20000 * hours / x.mean(), rel=1e-12)
    assert metrics["uncertainty.level.implied_cost.low"] == pytest.approx(20000 * hours / metrics["uncertainty.level.ci_high"], rel=1e-12)
    assert metrics["uncertainty.level.implied_cost.high"] == pytest.approx(20000 * hours / metrics["uncertainty.level.ci_low"], rel=1e-12)

    fits = {row["family"]: row for row in pl.read_parquet(run / "tables" / "fits.parquet").iter_rows(named=True)}
    for family, dist in (("weibull", stats.weibull_min), ("gamma", stats.gamma), ("lognormal", stats.lognorm), ("exponential", stats.expon)):
        params = (0.0, x.mean()) if family == "exponential" else dist.fit(x, floc=0)
        loglik = dist.logpdf(x, *params).sum()
        assert fits[family]["log_likelihood"] == pytest.approx(loglik, rel=1e-6), family
        assert fits[family]["ks_stat"] == pytest.approx(stats.kstest(x, dist.cdf, args=params).statistic, rel=1e-5), family
        cdf, i, n = dist.cdf(np.sort(x), *params), np.arange(1, x.size + 1), x.size
        anderson = -n - np.mean((2 * i - 1) * (np.log(cdf) + np.log1p(-cdf[::-1])))
        assert fits[family]["ad_stat"] == pytest.approx(anderson, rel=1e-5), family
    assert fits["exponential"]["ks_pvalue"] == pytest.approx(0.9519549252420081, rel=1e-9)  # docs/uncertainty.md: 0.952
    assert fits["weibull"]["params"].startswith("1.06314")  # shape 1.06 (docs)


def _forecast(series: str, run: Path, *extra: str) -> list[str]:
    return ["forecast", f"series={series}", "forecaster=[naive]", "forecast.tune=naive", "debug=quick", "report=false",
            f"hydra.run.dir={run}", *extra]


def test_a_column_given_with_a_vendored_series_is_said_unread(tmp_path: Path) -> None:
    run = tmp_path / "run"
    result = invoke(*_forecast("australia", run, "source.value_column=coal_south_africa_usd_mt"))
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "warning: source.value_column=coal_south_africa_usd_mt is read only with series=<a .csv/.parquet path>" in said
    assert json.loads((run / "metrics.json").read_text())["series.last"] == 136.86  # Australia's 2026-05 price (docs)


def test_a_validation_only_run_says_what_it_does_not_read_too(tmp_path: Path) -> None:
    """A validation-only run (a BO-LSTM trial) returns before the forecast: its warnings are said there too."""
    run = tmp_path / "run"
    result = invoke(*_forecast("australia", run, "source.value_column=coal_south_africa_usd_mt", "forecast.validation_only=true"))
    assert result.exit_code == 0, result.output
    assert "warning: source.value_column=coal_south_africa_usd_mt is read only" in " ".join(result.output.split())
    assert json.loads((run / "metrics.json").read_text())["validation.mape"] > 0


def test_the_columns_of_a_weekly_file_are_read_and_resampled_as_pandas_does(tmp_path: Path) -> None:
    """Near miss: a file's columns are read (no warning); weekly Mondays to the month's mean, the last month partial."""
    import pandas as pd

    dates = pd.date_range("2021-01-04", "2024-03-04", freq="W-MON")
    prices = 80 + 10 * np.sin(np.arange(dates.size) / 9.0) + np.arange(dates.size) * 0.01
    path = tmp_path / "weekly.csv"
    pd.DataFrame({"day": dates.strftime("%Y-%m-%d"), "usd": prices}).to_csv(path, index=False)
    run = tmp_path / "run"
    result = invoke(*_forecast(str(path), run, "source.date_column=day", "source.value_column=usd", "source.resample=mean"))
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    months = pd.Series(prices, index=dates).resample("MS").mean()
    metrics = json.loads((run / "metrics.json").read_text())
    assert (metrics["series.months"], metrics["series.last_month_rows"]) == (months.size, 1)
    assert metrics["series.last"] == pytest.approx(months.iloc[-1], rel=1e-12)


def test_an_arima_fit_that_did_not_converge_is_said_as_statsmodels_reports() -> None:
    """ARIMA(4,1,4) on the Pink Sheet's Australian coal stops short (statsmodels: converged False), and its
    forecast was printed as the ARIMA's without a word; the default ARIMA(1,1,0) converges and says nothing."""
    from minectl.forecast.models import ArimaForecaster
    from minectl.forecast.series import read_monthly_series, series_source

    prices = read_monthly_series(*series_source("australia", "date", "value"))["value"].to_numpy()
    stopped = ArimaForecaster(order=[4, 1, 4]).fit(prices)
    assert stopped.results_.mle_retvals["converged"] is False
    assert stopped.fit_notes() == ["order=[4, 1, 4]: the maximum-likelihood fit did not converge (statsmodels); the forecast "
                                   "uses the parameters where it stopped (expected a smaller order, or another trend)"]
    assert ArimaForecaster().fit(prices).fit_notes() == []
