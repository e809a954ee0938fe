"""Bad-input corpus, price series, failure logs and cost tables as real users give them to
`minectl forecast`, `uncertainty` and `capacity`: each input is read correctly (figures checked
against numpy / scipy / a hand computation) or refused in one line, never misread silently.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused
from scipy import stats
from typer.testing import CliRunner

from minectl.capacity.curves import fit_cost_curves
from minectl.capacity.optimal import optimal_capacity
from minectl.cli import app
from minectl.errors import DataError
from minectl.forecast.series import read_monthly_series
from minectl.uncertainty.bootstrap import bootstrap_ci
from minectl.uncertainty.distributions import fit_all
from minectl.uncertainty.series import read_series, row_period

# Ore pellets (t/a) and total variable cost (2021 USD/a) of the five NRRI taconite mines
# (examples/data/taconite): Northshore, United, Hibbing, Minorca, Tilden
PELLETS_T = [4.54e6, 4.6e6, 6.3e6, 2.79e6, 7.7e6]
COST_USD = [325722300.0, 317400000.0, 437724000.0, 224120700.0, 544005000.0]
# Pink Sheet-like coal prices (USD/t), one a month from 2025-03 to 2026-05
PRICES = [103.3, 107.6, 104.5, 106.0, 110.4, 114.3, 109.9, 112.8, 117.0, 128.2, 138.6, 130.9, 131.6, 136.9, 135.1]


def _invoke(*args: object) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _metrics(run: Path) -> dict:
    return json.loads((run / "metrics.json").read_text())


def _months(n: int) -> list[tuple[int, int]]:
    """(year, month) of PRICES: 2025-03 .. 2026-05."""
    return [(2025 + (i + 2) // 12, (i + 2) % 12 + 1) for i in range(n)]


# --- capacity: cost tables in tonnes, constant columns, unbounded revenue ---

def test_cubic_cost_curve_in_tonnes_matches_numpy():
    """Outputs in t/a (Q^3 ~ 1e20): the raw Vandermonde least squares gave the cubic a smaller R^2
    than the quadratic nested in it (0.99790 < 0.99881); the fit now equals numpy's."""
    curves = {curve.form: curve for curve in fit_cost_curves(PELLETS_T, COST_USD)}
    q, cost = np.array(PELLETS_T), np.array(COST_USD)
    for form, degree in (("linear", 1), ("quadratic", 2), ("cubic", 3)):
        reference = np.polynomial.Polynomial.fit(q, cost, degree)
        r2 = 1 - np.sum((cost - reference(q)) ** 2) / np.sum((cost - cost.mean()) ** 2)
        assert curves[form].r2_ == pytest.approx(r2, rel=1e-9)
        np.testing.assert_allclose(curves[form].predict(q), reference(q), rtol=1e-9)
        np.testing.assert_allclose(curves[form].coef_, reference.convert().coef, rtol=1e-6)
    assert curves["cubic"].r2_ == pytest.approx(0.998815999, abs=1e-9)
    assert curves["cubic"].r2_ >= curves["quadratic"].r2_ >= curves["linear"].r2_


CAPACITY_TABLES = {
    "constant-cost": ("cost_data", "output,total_cost\n1,5\n2,5\n3,5\n4,5\n",
                      "cost_data.total_column: no cost-capacity form could be fitted (cost: all 4 costs equal 5; "
                      "a cost-capacity curve needs costs that vary)"),
    "cobweb-constant-price": ("cobweb", "output,price\n100,50\n110,50\n105,50\n120,50\n",
                              "cobweb.price_column: all 3 values equal 50; the cobweb model needs prices that vary"),
}


@pytest.mark.parametrize("key, text, expect", CAPACITY_TABLES.values(), ids=CAPACITY_TABLES.keys())
def test_capacity_tables_without_spread_are_refused(tmp_path, key, text, expect):
    path = tmp_path / "table.csv"
    path.write_text(text)
    assert_refused(["capacity", f"{key}.path={path}", f"hydra.run.dir={tmp_path / 'run'}"], expect, inputs=[path],
                   run_dir=tmp_path / "run")


def test_constant_cost_item_is_named(tmp_path):
    path = tmp_path / "costs.csv"
    path.write_text("output,total_cost,mining,admin,other\n1,10,4,2,4\n2,19,9,2,8\n3,31,14,2,15\n4,38,20,2,16\n5,52,26,2,24\n")
    assert_refused(["capacity", f"cost_data.path={path}", "cost_data.item_columns=[mining,admin,other]",
                    f"hydra.run.dir={tmp_path / 'run'}"],
                   "cost_data.item_columns: 'admin' is 2 in every row; the PCA needs cost items that vary",
                   inputs=[path], run_dir=tmp_path / "run")


def test_revenue_rising_without_bound_has_no_unconstrained_optimum(tmp_path):
    """A linear cost under a fixed price: revenue (300 - 100) Q - 1000 rises for ever, so there is
    no unconstrained optimum; the search's end (4 x the upper limit) was reported as one."""
    price, cost = np.polynomial.Polynomial([300.0]), np.polynomial.Polynomial([1000.0, 100.0])
    decision = optimal_capacity(price, cost, 10.0, 50.0)
    assert decision.optimal == pytest.approx(50.0) and decision.binding == "upper"
    assert math.isnan(decision.unconstrained)
    seed = optimal_capacity(price, np.polynomial.Polynomial([386300.0, -2428.0, 3.919]), 100.0, 185.5)
    assert seed.unconstrained == pytest.approx((300 + 2428) / 7.838, rel=1e-7)  # an optimum inside the search: kept
    output = _invoke("capacity", "revenue.cost_coefs=[0,100]", f"hydra.run.dir={tmp_path / 'run'}", "report=false")
    assert "unconstrained none (revenue still" in " ".join(output.split())
    metrics = _metrics(tmp_path / "run")
    assert "capacity.unconstrained_mt_a" not in metrics and metrics["capacity.upper_binding"] == 1


def test_cost_forms_that_do_not_apply_are_named():
    """A mine with zero output takes the power and logarithmic forms out (ln 0); they are named."""
    skipped: dict[str, str] = {}
    curves = fit_cost_curves([0.0, 1e6, 2e6, 3e6, 4e6, 5e6], [5e7, 9e7, 1.4e8, 1.8e8, 2.3e8, 2.7e8], skipped=skipped)
    assert {c.form for c in curves} == {"linear", "quadratic", "cubic", "exponential"}
    assert skipped == {"power": "output: the power form needs positive outputs",
                       "logarithmic": "output: the logarithmic form needs positive outputs"}


def test_rolling_prices_by_day_are_refused(tmp_path):
    path = tmp_path / "daily.csv"
    path.write_text("date,price\n" + "".join(f"2024-01-{d:02d},{p}\n" for d, p in zip(range(1, 16), PRICES, strict=True)))
    assert_refused(["capacity", f"rolling.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), "column 'date' has one day per row; expected one row per month"], inputs=[path], run_dir=tmp_path / "run")


def test_rolling_prices_newest_first_are_refused(tmp_path):
    """Price downloads often list the newest month first; the rolling optimum takes the last rows
    as the latest months, so a file whose dates fall is refused instead of read backwards."""
    months = [f"{y}-{m:02d}" for y, m in _months(len(PRICES))]
    newest_first = tmp_path / "prices.csv"
    newest_first.write_text("month,price\n" + "".join(f"{d},{p}\n" for d, p in reversed(list(zip(months, PRICES, strict=True)))))
    assert_refused(["capacity", f"rolling.path={newest_first}", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(newest_first), "column 'month' at row 2", "is not after the row before", "oldest first"],
                   inputs=[newest_first], run_dir=tmp_path / "run")
    oldest_first = tmp_path / "ordered.csv"
    oldest_first.write_text("month,price\n" + "".join(f"{d},{p}\n" for d, p in zip(months, PRICES, strict=True)))
    _invoke("capacity", f"rolling.path={oldest_first}", "rolling.last=3", f"hydra.run.dir={tmp_path / 'ok'}", "report=false")
    rolling = pl.read_parquet(tmp_path / "ok" / "tables" / "rolling.parquet")
    assert rolling["price"].to_list() == PRICES[-2:]  # the last 3 months: 2 changes, newest last
    assert rolling["price_change"][-1] == pytest.approx(PRICES[-1] / PRICES[-2] - 1)


# --- uncertainty: dates that do not read, Pink Sheet months, BCa, resample counts, lifetimes ---

def _pink_sheet(path: Path, rows: list[tuple[str, float]]) -> Path:
    path.write_text("month,price\n" + "".join(f"{d},{p}\n" for d, p in rows))
    return path


def _uncertainty(path: Path, run: Path, *extra: str) -> list[str]:
    return ["uncertainty", f"dataset.path={path}", "dataset.column=price", "dataset.name=test", "uncertainty.n_resamples=99",
            "uncertainty.families=[normal]", *extra, f"hydra.run.dir={run}", "report=false"]


@pytest.mark.slow
def test_uncertainty_reads_pink_sheet_months_and_refuses_them_newest_first(tmp_path):
    """`1960M01` (the World Bank's own month format) read no date, so a newest-first file passed
    unchecked and the revenue risk took the OLDEST price as the last one."""
    rows = [(f"{y}M{m:02d}", p) for (y, m), p in zip(_months(len(PRICES)), PRICES, strict=True)]
    ordered = _pink_sheet(tmp_path / "ordered.csv", rows)
    _invoke(*_uncertainty(ordered, tmp_path / "ok", "revenue.output=1", "uncertainty.risk_level=0.9"))
    metrics = _metrics(tmp_path / "ok")
    assert metrics["uncertainty.revenue.last_level"] == PRICES[-1]
    revenue = PRICES[-1] * np.exp(np.diff(np.log(PRICES)))  # 14 scenarios: the 10 % tail holds one
    assert metrics["uncertainty.revenue.expected"] == pytest.approx(revenue.mean())
    assert metrics["uncertainty.revenue.var"] == pytest.approx(np.sort(revenue)[1])  # smallest l with P(loss <= l) >= 0.9
    assert_refused(_uncertainty(ordered, tmp_path / "run95", "revenue.output=1"),
                   "gives 14 one-row returns; revenue risk at uncertainty.risk_level=0.95 needs at least 20 (one beyond the VaR)",
                   inputs=[ordered], run_dir=tmp_path / "run95")
    newest_first = _pink_sheet(tmp_path / "newest.csv", rows[::-1])
    assert_refused(_uncertainty(newest_first, tmp_path / "run", "revenue.output=1", "dataset.frequency=month"),
                   [str(newest_first), "column 'month' at row 2", "is not after the row before"],
                   inputs=[newest_first], run_dir=tmp_path / "run")


def test_uncertainty_month_names_newest_first_are_refused_for_their_order(tmp_path):
    rows = [(f"{['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][m - 1]}-{y}", p)
            for (y, m), p in zip(_months(len(PRICES)), PRICES, strict=True)]
    path = _pink_sheet(tmp_path / "prices.csv", rows[::-1])
    assert_refused(_uncertainty(path, tmp_path / "run", "dataset.frequency=month"),  # Jan-2026 reads as a month
                   [str(path), "column 'month' at row 2 (2026-04-01 00:00:00) is not after the row before (2026-05-01 00:00:00)"],
                   inputs=[path], run_dir=tmp_path / "run")


@pytest.mark.filterwarnings("ignore")  # scipy's DegenerateDataWarning is the point of the comparison
def test_slashed_dates_are_read_the_one_way_they_can_be(tmp_path):
    """`D/M/YYYY` was the only slashed form: US monthly dates (2/1/2025: 1 February) read as days of
    January, in order, and the revenue risk's horizon became "next day"."""
    us_daily = tmp_path / "us_daily.csv"  # 1/13/2025 reads only month first
    us_daily.write_text("date,price\n" + "".join(f"{m}/{d}/2025,{100 + d}\n" for m in (1, 2) for d in range(1, 29)))
    assert row_period(us_daily, None, "date") == "day"
    assert read_series(us_daily, "price", date_column="date")[0]["all"][-1] == 128
    us_monthly = _pink_sheet(tmp_path / "us_monthly.csv", [(f"{m}/1/{y}", p) for (y, m), p in zip(_months(len(PRICES)), PRICES, strict=True)])
    with pytest.raises(DataError, match="dates such as '3/1/2025' that read both day first and month first; expected YYYY-MM-DD"):
        read_series(us_monthly, "price", date_column="month")


@pytest.mark.filterwarnings("ignore")  # scipy's DegenerateDataWarning is the point of the comparison
def test_bca_of_a_median_with_ties_is_refused(tmp_path):
    """Hours between failures recorded to the hour tie: with the two middle values equal, every
    jackknife median is the same and BCa's acceleration is 0/0 (scipy: NaN); it was a traceback."""
    hours = [16, 23, 32, 24, 3, 40, 32, 32, 61, 8, 12, 32, 90, 5, 32, 70]
    x = np.array(hours, dtype=float)
    scipy_ci = stats.bootstrap((x,), np.median, method="BCa", n_resamples=99, rng=np.random.default_rng(0))
    assert np.isnan(scipy_ci.confidence_interval.low)
    path = tmp_path / "tbf.csv"
    path.write_text("price\n" + "".join(f"{h}\n" for h in hours))
    assert_refused(_uncertainty(path, tmp_path / "run", "uncertainty.statistic=median", "uncertainty.method=bca"),
                   ["uncertainty.method:", str(path), "column 'price' (level)", "the BCa interval of the median is undefined",
                    "expected percentile or basic"], inputs=[path], run_dir=tmp_path / "run")


def test_bca_of_huge_values_is_the_scaled_interval():
    """Costs of ~1e150: the BCa acceleration's sum of cubes overflowed to NaN (a traceback); it is scale-free."""
    hours = np.array([16, 23, 32, 24, 3, 40, 61, 8, 12, 90, 5, 70, 33, 19], dtype=float)
    small = bootstrap_ci(hours, "std", method="bca", n_resamples=999)
    huge = bootstrap_ci(hours * 1e150, "std", method="bca", n_resamples=999)
    assert huge.low / 1e150 == pytest.approx(small.low, rel=1e-12) and huge.high / 1e150 == pytest.approx(small.high, rel=1e-12)


def test_a_family_without_a_likelihood_fit_is_skipped_and_named(monkeypatch):
    """scipy's solver giving up (FitError) on one family was a traceback; that family is now left out, with the reason."""

    def no_convergence(*args, **kwargs):
        raise stats.FitError("the iteration is not making good progress")

    monkeypatch.setattr(stats.gamma, "fit", no_convergence)
    skipped: dict[str, str] = {}
    fits = fit_all([16.0, 23, 32, 24, 3, 40, 61, 8, 12, 90], ("normal", "gamma", "exponential"), "tbf", skipped)
    assert [fit.family for fit in fits] == ["exponential", "normal"]
    assert skipped == {"gamma": "the maximum-likelihood fit did not converge"}


UNCERTAINTY_CONFIGS = {
    "one-resample": (["uncertainty.n_resamples=1"], "uncertainty.n_resamples=1 is too few for a 0.95 interval; expected at least 40"),
    "1e11-resamples": (["uncertainty.n_resamples=100000000000"],  # was a 745 GiB allocation, a traceback
                       "uncertainty.n_resamples=100000000000 is too many; expected at most 10000000"),
    "99-at-0.99": (["uncertainty.confidence=0.99"], "uncertainty.n_resamples=99 is too few for a 0.99 interval; expected at least 200"),
    # blocks of the whole series: every resample was the series itself, an interval of zero width, passed as certain
    "block-of-the-series": (["uncertainty.block_length=15"],
                            "uncertainty.block_length=15 is too long for level (15 values); expected at most 5 (a third of the series)"),
    "one-mc-draw": (["dataset.cost_items=[a,b]", "uncertainty.mc_samples=1"], "uncertainty.mc_samples=1 is too few for a 0.95 interval"),
    "one-cost-item": (["dataset.cost_items=[a]"], "dataset.cost_items: one item (a); expected two or more"),
    "no-families": (["uncertainty.families=[]"], "uncertainty.families: empty; expected at least one name"),
    "no-transforms": (["dataset.transforms=[]"], "dataset.transforms: empty; expected at least one name"),
    "no-operating-hours": (["implied_cost.cost_per_event=20000"], "implied_cost.operating_hours=0; expected the hours a year (> 0)"),
    # the cost item is made from the times between events (level, or diff of the hours at each event): without
    # either nothing was made, and nothing said ([diff] alone now carries the cost: test_probe_round11b_realdata.py)
    "implied-cost-of-returns": (["implied_cost.cost_per_event=20000", "implied_cost.operating_hours=6000",
                                 "dataset.transforms=[log_return]"],
                                "implied_cost.cost_per_event: the cost item comes from the times between events; expected 'level' "
                                "(a column of those times) or 'diff'"),
}


@pytest.mark.slow
@pytest.mark.parametrize("extra, expect", UNCERTAINTY_CONFIGS.values(), ids=UNCERTAINTY_CONFIGS.keys())
def test_uncertainty_configs_that_give_no_interval_are_refused(tmp_path, extra, expect):
    path = tmp_path / "series.csv"
    path.write_text("price,a,b\n" + "".join(f"{p},{p / 2},{p / 3}\n" for p in PRICES))
    assert_refused(_uncertainty(path, tmp_path / "run", *extra), expect, inputs=[path], run_dir=tmp_path / "run")


FAILURE_LOGS = {
    # a row without its machine was a TypeError
    "row-without-machine": ("machine,price\nA,10\nA,20\n,30\nB,5\nB,8\nA,40\nB,9\n", ["dataset.group_by=machine"],
                            "column 'machine' has 1 empty values (first at row 3); expected a group in every row"),
    # a negative time between failures: the implied cost was refused only after output, in words naming no file
    "negative-time": ("price\n16\n23\n-8\n24\n3\n40\n", ["dataset.transforms=[level]", "implied_cost.cost_per_event=20000",
                                                            "implied_cost.operating_hours=6000"],
                      "column 'price' (level) has a negative time between events (-8); expected times >= 0 for implied_cost"),
}


@pytest.mark.parametrize("text, extra, expect", FAILURE_LOGS.values(), ids=FAILURE_LOGS.keys())
def test_failure_logs_that_cannot_be_read_as_such_are_refused(tmp_path, text, extra, expect):
    path = tmp_path / "log.csv"
    path.write_text(text)
    assert_refused(_uncertainty(path, tmp_path / "run", *extra), [str(path), expect], inputs=[path], run_dir=tmp_path / "run")


def test_a_zero_time_between_failures_says_which_families_it_takes_out(tmp_path):
    """One zero (two failures logged in the same hour) excludes the positive families; the
    summary says so instead of ranking the rest as if they had been all."""
    hours = [16, 23, 32, 24, 3, 40, 0, 61, 8, 12, 90, 5, 70]
    path = tmp_path / "tbf.csv"
    path.write_text("price\n" + "".join(f"{h}\n" for h in hours))
    output = _invoke(*_uncertainty(path, tmp_path / "run", "uncertainty.families=[normal,exponential,weibull]", "dataset.transforms=[level]"))
    assert "level: exponential, weibull not fitted: values > 0 needed, the minimum is 0" in " ".join(output.split())
    fits = pl.read_parquet(tmp_path / "run" / "tables" / "fits.parquet")
    assert fits["family"].to_list() == ["normal"]
    assert fits["log_likelihood"][0] == pytest.approx(np.sum(stats.norm.logpdf(hours, *stats.norm.fit(hours))))


# --- forecast: Pink Sheet months, horizons past the calendar ---

@pytest.mark.slow
@pytest.mark.parametrize("form", ["{y}M{m:02d}", "{m:02d}/{y}"])  # 03/2025 was refused as no date
def test_forecast_reads_pink_sheet_months(tmp_path, form):
    """`2025M03` (and `03/2025`) reads as 2025-03; the naive backtest is checked by hand: MAPE of y[t+1] by y[t]."""
    months = _months(len(PRICES))
    path = tmp_path / "coal.csv"
    path.write_text("month,usd_t\n" + "".join(f"{form.format(y=y, m=m)},{p}\n" for (y, m), p in zip(months, PRICES, strict=True)))
    _invoke("forecast", f"series={path}", "source.date_column=month", "source.value_column=usd_t", "forecaster=[naive]",
            "forecast.backtest_months=6", "forecast.validation_months=3", "forecast.backtest_horizons=[1]", "forecast.horizon=2",
            f"hydra.run.dir={tmp_path / 'run'}", "report=false")
    metrics = _metrics(tmp_path / "run")
    y = np.array(PRICES)
    assert metrics["series.months"] == 15
    assert metrics["backtest.mape.naive"] == pytest.approx(100 * np.mean(np.abs(y[-6:] - y[-7:-1]) / y[-6:]))
    forecast = pl.read_parquet(tmp_path / "run" / "tables" / "forecast.parquet")
    assert [str(d) for d in forecast["date"]] == ["2026-06-01", "2026-07-01"]


@pytest.mark.parametrize("resample", [None, "last"])
def test_forecast_reads_zoned_timestamps_in_their_own_months(tmp_path, resample):
    """Month starts at local midnight in Perth (+08:00) are the evening before in UTC: cast as
    they were, every price moved to the month before and the forecast began on the last month."""
    stamps = pl.datetime_range(dt.datetime(2025, 3, 1), dt.datetime(2026, 5, 1), "1mo", eager=True, time_zone="Australia/Perth")
    path = tmp_path / "coal.parquet"
    pl.DataFrame({"date": stamps, "usd_t": PRICES}).write_parquet(path)
    series = read_monthly_series(path, "date", "usd_t", resample)
    assert [f"{d:%Y-%m}" for d in series["date"]] == [f"{y}-{m:02d}" for y, m in _months(len(PRICES))]
    assert series["value"].to_list() == PRICES


def _monthly(fmt: str, keep=lambda month: True) -> str:
    return "month,usd_t\n" + "".join(fmt.format(y=y, m=m, p=p) for (y, m), p in zip(_months(len(PRICES)), PRICES, strict=True)
                                                 if keep(m))


FORECAST_SERIES = {
    "quarterly": (_monthly("{y}-{m:02d},{p}\n", keep=lambda m: m % 3 == 1), [],
                  "column 'month' has one row every 3 months; expected monthly rows"),
    "past-9999": (_monthly("{y}-{m:02d},{p}\n"), ["forecast.horizon=100000"],
                  "forecast.horizon=100000 runs past the year 9999 from the last month 2026-05; expected at most 95683"),
}


@pytest.mark.slow
@pytest.mark.parametrize("text, extra, expect", FORECAST_SERIES.values(), ids=FORECAST_SERIES.keys())
def test_forecast_series_in_other_layouts_are_refused(tmp_path, text, extra, expect):
    path = tmp_path / "coal.csv"
    path.write_text(text)
    assert_refused(["forecast", f"series={path}", "source.date_column=month", "source.value_column=usd_t", "forecaster=[naive]",
                    *extra, f"hydra.run.dir={tmp_path / 'run'}"], expect if extra else [str(path), expect],  # a key's error names the key
                   inputs=[path], run_dir=tmp_path / "run")
