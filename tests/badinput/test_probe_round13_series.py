"""Bad-input corpus, round 13 (series): price series as exchanges, spreadsheets and statistical offices keep
them, given to `minectl uncertainty` and `minectl forecast` and their libraries.

Silent before (exit 0): daily prices with one day exported twice at two prices (date column found, not named)
had a log return over no time fitted and bootstrapped; dataset.frequency=month over a file's own daily dates
(not named) called the one-day revenue VaR the next month's; a newest-first file whose `date` column holds a
spreadsheet's day numbers had its rows read in file order (log returns of the wrong sign); ARIMA without
differencing or a constant forecast the log price reverting to 0 (ARIMA(0,0,0): a price of 1.0);
season_length=true ran a season of one month (the naive model twice). A traceback before: an ARIMA seasonal
order with a season of 0 or 1 or a lag in both parts (statsmodels' ValueError at the first fit).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused, quick_uncertainty, run_metrics

from minectl.errors import ConfigError, DataError
from minectl.forecast.lstm import LSTMForecaster
from minectl.forecast.models import ArimaForecaster, SeasonalNaiveForecaster
from minectl.forecast.series import read_monthly_series
from minectl.uncertainty.series import read_series, row_period


def _business_days(first: dt.date, last: dt.date) -> pl.Series:
    days = pl.date_range(first, last, "1d", eager=True)
    return days.filter(days.dt.weekday() <= 5)


def _prices(size: int) -> np.ndarray:
    return np.round(100 * np.exp(np.cumsum(np.random.default_rng(3).normal(0, 0.01, size))), 4)


def _daily(path: Path) -> pl.DataFrame:
    days = _business_days(dt.date(2024, 1, 1), dt.date(2024, 3, 29))
    frame = pl.DataFrame({"date": days, "price": _prices(days.len())})
    frame.write_csv(path)
    return frame


# --- one day twice, at two prices, in a date column found (not named) ---------------------------------------

def test_a_day_twice_at_two_prices_is_refused_where_log_returns_are_taken(tmp_path: Path) -> None:
    """Exit 0 before: 66 prices read for 65 days, one log return spanning no time. Failures (events) on one date
    are still read in file order where no log return is taken."""
    frame = _daily(tmp_path / "clean.csv")
    path = tmp_path / "daily.csv"
    pl.concat([frame.head(30), frame.slice(29, 1).with_columns(price=pl.lit(77.0)), frame.slice(30)]).write_csv(path)
    assert_refused(quick_uncertainty(path, tmp_path / "run", column="price"),
                   [str(path), "column 'date' at row 31", "is the same time as the row before", "keep one of the two rows"],
                   inputs=[path], run_dir=tmp_path / "run")
    with pytest.raises(DataError, match="at row 31"):
        read_series(path, "price", returns=True)
    levels = read_series(path, "price")[0]["all"]  # levels only: the rows may be events sharing a date
    assert levels.size == 66 and levels[30] == 77.0


def test_clean_daily_prices_keep_their_log_returns(tmp_path: Path) -> None:
    """Near miss: the same prices once a day give the bootstrap mean of their 64 log returns, computed here."""
    frame = _daily(tmp_path / "daily.csv")
    metrics = run_metrics(quick_uncertainty(tmp_path / "daily.csv", tmp_path / "run", column="price"), tmp_path / "run")
    returns = np.diff(np.log(frame["price"].to_numpy()))
    assert metrics["uncertainty.log_return.estimate"] == pytest.approx(returns.mean(), rel=1e-12)


def test_a_mid_month_quote_in_monthly_prices_is_refused_with_the_date_column_named(tmp_path: Path) -> None:
    """Exit 0 before with dataset.date_column named (found, it was refused): 2020-03-15 among the firsts of the
    months, its half month's log returns read as two months'."""
    dates = [f"2020-{m:02d}-01" for m in range(1, 13)]
    dates.insert(3, "2020-03-15")
    path = tmp_path / "monthly.csv"
    pl.DataFrame({"date": dates, "value": _prices(13)}).write_csv(path)
    assert_refused(quick_uncertainty(path, tmp_path / "run", "dataset.date_column=date"),
                   [str(path), "column 'date' repeats 2020-03 at row 4; expected one row per month"], inputs=[path],
                   run_dir=tmp_path / "run")


# --- the period of a row from the file's own date column ---------------------------------------------------

def test_a_frequency_other_than_the_files_own_dates_is_refused(tmp_path: Path) -> None:
    """dataset=pinksheet_coal names date_column=month; a daily file without it under dataset.frequency=month
    printed 'revenue risk: next month', exit 0, for the VaR of one day's return."""
    path = tmp_path / "daily.csv"
    _daily(path)
    assert_refused(quick_uncertainty(path, tmp_path / "run", "revenue.output=1000", "dataset.frequency=month", column="price"),
                   ["dataset.frequency=month: column 'date'", "has one day per row", "expected dataset.frequency=day"],
                   inputs=[path], run_dir=tmp_path / "run")
    with pytest.raises(ConfigError, match="expected dataset.frequency=day"):
        row_period(path, "shift", None, "price")
    assert row_period(path, None, None, "price") == "day" == row_period(path, "day", "month", "price")


def test_the_revenue_var_of_daily_prices_is_the_next_days(tmp_path: Path) -> None:
    """Near miss: no frequency given, the found dates say a day; VaR at 0.95 of 64 returns is the 4th lowest
    revenue (ceil(64 x 0.95) = 61st of the losses), computed here."""
    frame = _daily(tmp_path / "daily.csv")
    run = tmp_path / "run"
    metrics = run_metrics(quick_uncertainty(tmp_path / "daily.csv", run, "revenue.output=1000", column="price"), run)
    prices = frame["price"].to_numpy()
    revenue = np.sort(1000 * prices[-1] * np.exp(np.diff(np.log(prices))))
    assert metrics["uncertainty.revenue.var"] == pytest.approx(revenue[64 - math.ceil(64 * 0.95)], rel=1e-12)
    assert pl.read_parquet(run / "tables" / "revenue_risk.parquet")["horizon"].to_list() == ["next day"]


# --- spreadsheet day numbers as the dates --------------------------------------------------------------------

def _serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days  # Excel's (1900 system) day number


def test_a_newest_first_file_of_spreadsheet_day_numbers_is_refused(tmp_path: Path) -> None:
    """Exit 0 before: the `date` column of 45200-odd numbers was no date column, the newest-first rows were read
    as they stand and every log return had the wrong sign."""
    months = pl.date_range(dt.date(2021, 1, 1), dt.date(2023, 12, 1), "1mo", eager=True).to_list()[::-1]
    path = tmp_path / "export.csv"
    pl.DataFrame({"date": [_serial(m) for m in months], "value": _prices(len(months))}).write_csv(path)
    assert_refused(quick_uncertainty(path, tmp_path / "run"),
                   [str(path), "column 'date' holds numbers such as 45261", "spreadsheet day numbers?", "expected dates"],
                   inputs=[path], run_dir=tmp_path / "run")
    # near miss: tonnes in the same range, under a name of no date, are values of their own
    pl.DataFrame({"tonnes": [45_000 + i for i in range(36)], "value": _prices(36)}).write_csv(tmp_path / "t.csv")
    assert read_series(tmp_path / "t.csv", "value")[0]["all"].size == 36


# --- negative and zero prices (WTI, 20 April 2020: -37.63 USD/bbl) --------------------------------------------

def test_a_negative_price_is_read_as_a_level_and_its_log_returns_refused(tmp_path: Path) -> None:
    path = tmp_path / "wti.csv"
    days = ["2020-04-14", "2020-04-15", "2020-04-16", "2020-04-17", "2020-04-20", "2020-04-21", "2020-04-22"]
    prices = [20.11, 19.87, 19.87, 18.27, -37.63, 10.01, 13.78]  # EIA's WTI Cushing spot, USD/bbl
    pl.DataFrame({"date": days, "value": prices}).write_csv(path)
    assert read_series(path, "value")[0]["all"].tolist() == prices
    assert_refused(quick_uncertainty(path, tmp_path / "run"), [str(path), "log returns need positive values, found -37.63"],
                   inputs=[path], run_dir=tmp_path / "run")


# --- forecaster settings: ARIMA's orders, booleans -----------------------------------------------------------

@pytest.mark.parametrize(("order", "seasonal", "trend", "expect"), [
    ([1, 1, 0], [1, 0, 0, 1], "n", "has a season s=1; expected s >= 2"),
    ([1, 1, 0], [1, 0, 0, 0], "n", "has a season s=0; expected s >= 2"),
    ([13, 1, 0], [1, 0, 0, 12], "n", "the autoregressive lag 12 is in both parts; expected p < 12"),
    ([0, 1, 12], [0, 0, 1, 12], "n", "the moving-average lag 12 is in both parts; expected q < 12"),
    ([0, 0, 0], [0, 0, 0, 0], "n", "without a constant it reverts to 0 (a price of 1); expected trend c or ct"),
    ([1, 0, 0], [0, 0, 0, 0], "t", "without a constant it reverts to 0"),
    ([True, 1, 0], [0, 0, 0, 0], "n", "order: expected three integers >= 0"),
])
def test_arima_orders_statsmodels_refuses_or_that_forecast_a_price_of_one(order, seasonal, trend, expect) -> None:
    with pytest.raises(ConfigError, match=expect.replace("(", r"\(").replace(")", r"\)")):
        ArimaForecaster(order, seasonal, trend).check_params()


def test_arima_settings_in_a_sweep_are_refused_before_any_job(tmp_path: Path) -> None:
    """A traceback before (statsmodels' 'Seasonal periodicity must be greater than 1.') at the first fit."""
    assert_refused(["forecast", "-m", "forecaster=[naive,arima]", "+forecaster.arima.params.seasonal_order=[0,0,0,0],[1,0,0,1]",
                    f"hydra.sweep.dir={tmp_path / 'sweep'}"],
                   "forecaster.arima.params.seasonal_order: [1, 0, 0, 1] has a season s=1", run_dir=tmp_path / "sweep")


def test_arima_orders_that_fit_keep_their_forecasts() -> None:
    """Near misses: a constant without differencing forecasts (MLE) the geometric mean of the prices; a seasonal
    AR beside non-seasonal lags below the season fits."""
    y = 80 * np.exp(np.random.default_rng(5).normal(0, 0.1, 60))
    mean = ArimaForecaster((0, 0, 0), (0, 0, 0, 0), "c").fit(y).predict(3)
    np.testing.assert_allclose(mean, np.exp(np.log(y).mean()), rtol=1e-4)  # the optimiser's tolerance
    assert np.isfinite(ArimaForecaster((3, 1, 0), (1, 0, 0, 4)).fit(y).predict(2)).all()


def test_booleans_and_infinities_in_forecaster_settings_are_refused(tmp_path: Path) -> None:
    """season_length=true ran a season of 1 (the naive forecast under another name), exit 0."""
    assert_refused(["forecast", "forecaster=[naive,seasonal_naive]", "+forecaster.seasonal_naive.params.season_length=true",
                    f"hydra.run.dir={tmp_path / 'run'}"],
                   "forecaster.seasonal_naive.params.season_length: expected an integer >= 1, got True", run_dir=tmp_path / "run")
    for params, expect in (({"learning_rate": True}, "learning_rate: expected a finite value > 0, got True"),
                           ({"learning_rate": float("inf")}, "learning_rate: expected a finite value > 0, got inf"),
                           ({"differenced": "false"}, "differenced: expected true or false, got 'false'")):
        with pytest.raises(ConfigError, match=expect):
            LSTMForecaster(**params).check_params()
    LSTMForecaster(learning_rate=1, differenced=False).check_params()  # near miss: an integer rate, a boolean
    y = np.arange(1.0, 37.0)
    assert SeasonalNaiveForecaster(12).fit(y).predict(3).tolist() == [25.0, 26.0, 27.0]


def test_monthly_prices_labelled_by_month_end_are_forecast_as_months(tmp_path: Path) -> None:
    """Near miss: month-end labels (2019-01-31, 2019-02-28) are the same months as month-start ones."""
    ends = pl.date_range(dt.date(2018, 2, 1), dt.date(2024, 1, 1), "1mo", eager=True).dt.offset_by("-1d")
    path = tmp_path / "ends.csv"
    pl.DataFrame({"date": ends, "value": _prices(ends.len())}).write_csv(path)
    run = tmp_path / "run"
    metrics = run_metrics(["forecast", f"series={path}", "forecaster=[naive]", "forecast.backtest_months=12",
                           "forecast.validation_months=12", "forecast.horizon=3", f"hydra.run.dir={run}"], run)
    assert metrics["series.months"] == 72
    forecast = pl.read_parquet(run / "tables" / "forecast.parquet")
    assert forecast["date"].to_list()[:1] == [dt.date(2024, 1, 1)]


def test_a_unit_in_another_currency_than_the_column_names_is_refused(tmp_path: Path) -> None:
    """Exit 0 before: the Pink Sheet's coal_australia_usd_mt forecast under source.unit=AUD/t, the US dollars
    labelled Australian in tables/forecast.parquet and the plot."""
    assert_refused(["forecast", "source.unit=AUD/t", "forecaster=[naive]", f"hydra.run.dir={tmp_path / 'run'}"],
                   "source.unit='AUD/t': column 'coal_australia_usd_mt' is named as USD prices; expected a unit in USD",
                   run_dir=tmp_path / "run")
    from minectl.forecast.series import check_unit_currency

    for column, unit in (("coal_australia_usd_mt", "USD/t"), ("value", "AUD/t"), ("price_usd_aud", "AUD/t"), ("price", None),
                         ("coal_cny_t", "RMB/t")):  # the yuan's other name (data.names.CURRENCY_ALIASES), as costs read it
        check_unit_currency(column, unit)  # near misses: the same currency, a column that names none, or both


@pytest.mark.parametrize("marker", ["na", "np", "ND", "N.A."])
def test_statistics_offices_missing_markers_are_empty_months(tmp_path: Path, marker: str) -> None:
    """The ABS's na / np, the Federal Reserve's ND and N.A. are empty values, as NA and n/a are (were refused as text)."""
    values = [str(50.0 + i) for i in range(12)]
    values[5] = marker
    path = tmp_path / "s.csv"
    path.write_text("date,value\n" + "".join(f"2020-{m:02d},{v}\n" for m, v in zip(range(1, 13), values, strict=True)))
    series = read_monthly_series(path, "date", "value")
    assert series["value"][5] == 55.0 and series["interpolated"].sum() == 1  # (54 + 56) / 2
    with pytest.raises(DataError, match="1 empty values inside the series"):
        read_series(path, "value")
