"""Bad-input corpus, round 12 (series): price series and samples as other people keep them, given to
`minectl uncertainty` and its library.

Silent before (exit 0): daily prices with three months of rows absent (dates left out, not empty
values) had the return across the gap fitted, bootstrapped and simulated as one day's. Wrong before:
the empirical VaR at a decimal level took the next order statistic where n x level is a whole number
that floating point rounds up (100 x 0.55 = 55.00000000000001: the 56th of 100, not the 55th); the
triangular "maximum-likelihood" fit stopped at a local maximum of the likelihood (ln L -47.31 for -41.14).
"""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused, quick_uncertainty
from scipy import stats

from minectl.uncertainty.distributions import fit_distribution
from minectl.uncertainty.risk import conditional_value_at_risk, value_at_risk


def _business_days(first: dt.date, last: dt.date, closed: tuple[dt.date, dt.date] | None = None) -> pl.Series:
    """Monday to Friday from ``first`` to ``last``, less the days from closed[0] to closed[1] (both kept out)."""
    days = pl.date_range(first, last, "1d", eager=True)
    days = days.filter(days.dt.weekday() <= 5)
    return days if closed is None else days.filter((days < closed[0]) | (days > closed[1]))


def _prices(size: int) -> np.ndarray:
    return np.round(100 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.01, size))), 4)


# --- daily prices with rows absent ---------------------------------------------------------------------

def test_daily_prices_with_three_months_absent_are_refused_naming_the_gap(tmp_path: Path) -> None:
    """Exit 0 before: the return from 31 March to 1 July was one day's."""
    days = _business_days(dt.date(2020, 1, 1), dt.date(2020, 12, 31), (dt.date(2020, 4, 1), dt.date(2020, 6, 30)))
    path = tmp_path / "daily.csv"
    pl.DataFrame({"date": days, "price": _prices(days.len())}).write_csv(path)
    assert_refused(quick_uncertainty(path, tmp_path / "run", "dataset.date_column=date", column="price"),
                   [str(path), "column 'date' jumps from 2020-03-31 to 2020-07-01 (92 days) at row 66",
                    "usual step is 1 day; expected no gap over 14 days", "uncertainty.drop_incomplete=true"],
                   inputs=[path], run_dir=tmp_path / "run")


def _returns_of(path: Path, drop: bool = False) -> tuple[np.ndarray, int]:
    """The log returns `minectl uncertainty` fits of the file's `price` column (dated by `date`), and how many it dropped."""
    from minectl.uncertainty.series import read_series, transform_groups

    groups, _ = read_series(path, "price", drop_incomplete=drop, date_column="date")
    series, dropped = transform_groups(groups, ["log_return"], path, "price", False)
    return series["log_return"], dropped["log_return"]


def test_weekends_and_an_eleven_day_closure_keep_every_return(tmp_path: Path) -> None:
    """The near miss: Shanghai's Lunar New Year (8 to 19 February 2024, 11 days) and every weekend are no gap."""
    days = _business_days(dt.date(2024, 1, 2), dt.date(2024, 6, 28), (dt.date(2024, 2, 9), dt.date(2024, 2, 16)))
    prices = _prices(days.len())
    path = tmp_path / "daily.csv"
    pl.DataFrame({"date": days, "price": prices}).write_csv(path)
    returns, dropped = _returns_of(path)
    assert (returns.size, dropped) == (days.len() - 1, 0)
    assert returns == pytest.approx(np.diff(np.log(prices)), rel=1e-12)


def test_an_empty_row_inside_the_gap_with_drop_incomplete_drops_the_return_across_it(tmp_path: Path) -> None:
    """The way out the error names: the return across the gap is left out, and counted."""
    days = _business_days(dt.date(2020, 1, 1), dt.date(2020, 12, 31), (dt.date(2020, 4, 1), dt.date(2020, 6, 30)))
    prices = _prices(days.len())
    before = int((days < dt.date(2020, 4, 1)).sum())
    frame = pl.DataFrame({"date": days, "price": prices})
    empty = pl.DataFrame({"date": [dt.date(2020, 5, 15)], "price": [None]}, schema=frame.schema)
    path = tmp_path / "daily.csv"
    pl.concat([frame.head(before), empty, frame.slice(before)]).write_csv(path)
    returns, dropped = _returns_of(path, drop=True)
    assert returns == pytest.approx(np.delete(np.diff(np.log(prices)), before - 1), rel=1e-12)  # less 31 March to 1 July
    assert dropped == 2  # the returns into and out of the empty row


def test_hourly_prices_over_weekends_and_a_failure_log_of_dates_are_read(tmp_path: Path) -> None:
    """Hours of weekdays (a 64-hour weekend step) and failures on irregular dates (steps of 3 to 60 days) are no gaps."""
    from minectl.uncertainty.series import read_series

    hours = pl.datetime_range(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 31, 23), "1h", eager=True)
    hours = hours.filter((hours.dt.weekday() <= 5) & hours.dt.hour().is_between(8, 16))
    prices = _prices(hours.len())
    path = tmp_path / "hourly.csv"
    pl.DataFrame({"time": hours, "price": prices}).write_csv(path)
    assert read_series(path, "price", date_column="time")[0]["all"] == pytest.approx(prices, rel=1e-12)
    failures = tmp_path / "failures.csv"
    dates = [dt.date(2020, 1, 1) + dt.timedelta(days=int(d)) for d in np.cumsum([3, 60, 3, 17, 3, 45, 9, 3, 30])]
    pl.DataFrame({"date": dates, "tbf": [72.0, 1440, 72, 408, 72, 1080, 216, 72, 720]}).write_csv(failures)
    assert read_series(failures, "tbf", date_column="date")[0]["all"][1] == 1440


def test_weekly_quotes_before_daily_ones_are_refused(tmp_path: Path) -> None:
    """Exit 0 before: a year of Mondays, then business days, and each one-week return was read as one day's."""
    from minectl.errors import DataError
    from minectl.uncertainty.series import read_series

    days = pl.concat([pl.date_range(dt.date(2019, 1, 7), dt.date(2019, 12, 30), "1w", eager=True),
                      _business_days(dt.date(2020, 1, 1), dt.date(2021, 12, 31))])
    path = tmp_path / "mixed.csv"
    pl.DataFrame({"date": days, "price": _prices(days.len())}).write_csv(path)
    with pytest.raises(DataError, match="column 'date' steps 7 days or more 4 times in a row up to 2019-02-04 at row 5, where its "
                                        "usual step is 1 day: rows of a coarser period"):
        read_series(path, "price", date_column="date")


def test_a_day_exported_twice_is_refused_where_the_date_column_is_found(tmp_path: Path) -> None:
    """Exit 0 before with the date column not named (found): one more price and a zero return. Events on one date
    with other values (two failures a day) still read in file order."""
    from minectl.errors import DataError
    from minectl.uncertainty.series import read_series

    days = _business_days(dt.date(2024, 1, 1), dt.date(2024, 3, 29))
    frame = pl.DataFrame({"date": days, "price": _prices(days.len())})
    path = tmp_path / "daily.csv"
    pl.concat([frame.head(30), frame.slice(29, 1), frame.slice(30)]).write_csv(path)
    with pytest.raises(DataError, match=r"row 31 repeats row 30 \(column 'date' 2024-02-09, value 96.421\) in rows of one day "
                                        r"each; expected each day once"):
        read_series(path, "price")
    events = tmp_path / "events.csv"
    pl.DataFrame({"date": ["2024-01-02", "2024-01-03", "2024-01-03", "2024-01-04", "2024-01-05"],
                  "tbf": [20.0, 15.0, 3.0, 30.0, 22.0]}).write_csv(events)
    assert read_series(events, "tbf")[0]["all"].tolist() == [20.0, 15.0, 3.0, 30.0, 22.0]
    # a flat hourly tariff over Berlin's fall-back: 02:00+02:00 and 02:00+01:00 are two hours, not one repeated
    utc = pl.datetime_range(dt.datetime(2024, 10, 26), dt.datetime(2024, 10, 28), "1h", time_zone="UTC", eager=True)
    hours = utc.dt.convert_time_zone("Europe/Berlin").dt.strftime("%Y-%m-%dT%H:%M:%S%:z")
    tariff = tmp_path / "tariff.csv"
    pl.DataFrame({"time": hours, "price": [50.0 + (i % 5) * (i < 20) for i in range(hours.len())]}).write_csv(tariff)
    assert read_series(tariff, "price")[0]["all"].size == 49


def test_a_frequency_other_than_the_dates_is_refused_and_the_same_one_kept(tmp_path: Path) -> None:
    """dataset.frequency=month over daily dates called the one-day VaR the next month's, exit 0."""
    from minectl.errors import ConfigError
    from minectl.uncertainty.series import row_period

    days = _business_days(dt.date(2024, 1, 1), dt.date(2024, 3, 29))
    path = tmp_path / "daily.csv"
    pl.DataFrame({"date": days, "price": _prices(days.len())}).write_csv(path)
    with pytest.raises(ConfigError, match="dataset.frequency=month: column 'date' of .* has one day per row, and the VaR / CVaR "
                                          "horizon is one row; expected dataset.frequency=day"):
        row_period(path, "month", "date")
    assert row_period(path, "day", "date") == "day"
    # the Pink Sheet default's date column, not in this file: the file's own (found) dates decide
    assert row_period(path, "day", "month", "price") == "day"
    with pytest.raises(ConfigError, match="expected dataset.frequency=day"):
        row_period(path, "month", "month", "price")


# --- the empirical VaR at decimal levels -----------------------------------------------------------------

def test_value_at_risk_is_the_ceil_n_level_th_value_for_every_decimal_level() -> None:
    """numpy's inverted_cdf (used before) took the next order statistic at 68 of these 49,500 (n, level):
    n 100, level 0.55 gave the 56th of 100; ceil(n x level) is taken here in exact fractions."""
    wrong = []
    for n in range(1, 501):
        losses = np.arange(n, 0, -1, dtype=float)  # the k-th smallest is k
        for hundredths in range(1, 100):
            expected = max(1, math.ceil(Fraction(hundredths, 100) * n))
            if value_at_risk(losses, hundredths / 100) != expected:
                wrong.append((n, hundredths / 100))
    assert wrong == []


def test_var_and_cvar_at_0_55_of_100_losses_by_hand() -> None:
    """VaR was 56; CVaR (Rockafellar-Uryasev) is the same at either quantile: the mean of the worst 45."""
    losses = np.arange(100.0, 0.0, -1.0)
    assert value_at_risk(losses, 0.55) == 55.0
    assert conditional_value_at_risk(losses, 0.55) == pytest.approx(78.0, rel=1e-14)  # the mean of 56..100


# --- the triangular maximum-likelihood fit ----------------------------------------------------------------

def test_the_triangular_fit_is_the_maximum_of_the_likelihood_by_brute_force() -> None:
    """scipy's generic fit stopped at mode 0.95 of the range, ln L -47.3118; a brute-force search (Nelder-Mead
    over both ends from 3 starts for the mode at each of the 30 values) finds ln L -41.1398 at ends
    10.2752, 15.0361 and mode 11.4502."""
    x = stats.triang(0.3, loc=10, scale=5).rvs(30, random_state=np.random.default_rng(1))
    fit = fit_distribution(x, "triangular")
    c, loc, scale = fit.params
    assert fit.log_likelihood == pytest.approx(-41.1398, abs=1e-4)
    assert (loc, loc + scale, loc + c * scale) == pytest.approx((10.2752, 15.0361, 11.4502), abs=1e-4)
    assert fit.log_likelihood == pytest.approx(float(stats.triang(*fit.params).logpdf(x).sum()), rel=1e-12)


def test_a_triangular_sample_with_its_mode_at_the_minimum_fits_c_0() -> None:
    """The boundary fit: a = the minimum, c = 0 (scipy's fit gave c = 1, ln L -35.32 for -27.18); A-D not computed there."""
    x = stats.triang(0.0, loc=10, scale=5).rvs(20, random_state=np.random.default_rng(3))
    fit = fit_distribution(x, "triangular")
    c, loc, _ = fit.params
    scipy_fit = stats.triang.fit(x)
    assert (c, loc) == (0.0, x.min())
    assert fit.log_likelihood > float(stats.triang(*scipy_fit).logpdf(x).sum())
    assert math.isnan(fit.ad_pvalue)


@pytest.mark.parametrize("extra, warned", [
    (["uncertainty.q=0.9"], "uncertainty.q=0.9 is read only with uncertainty.statistic=quantile: not used by this run"),
    (["uncertainty.alpha=0.2"], "uncertainty.alpha=0.2 is read only with revenue.output > 0: not used by this run"),
    (["uncertainty.statistic=quantile", "uncertainty.q=0.9"], None),  # read: nothing said
])
def test_a_setting_the_run_does_not_read_is_said(extra, warned, tmp_path: Path) -> None:
    """Before: uncertainty.q with the default statistic (mean), or alpha without revenue.output, changed nothing, unsaid."""
    from harness import invoke

    path = tmp_path / "series.csv"
    pl.DataFrame({"value": _prices(60)}).write_csv(path)
    result = invoke(*quick_uncertainty(path, tmp_path / "run", *extra))
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # the terminal's width wraps the line
    assert text.count("warning:") == (1 if warned else 0) and (warned is None or f"warning: {warned}" in text), result.output
