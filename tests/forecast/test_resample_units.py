"""Issue 15, forecast: daily / weekly rows resampled to months (mean or last, hand-computed), the
unit carried into the forecast table, and the forecast -> optimize price check (unit and range)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from minectl.errors import ConfigError, DataError
from minectl.forecast.series import read_monthly_series, series_unit
from minectl.optimize.decision import check_price_path


@pytest.fixture()
def daily(tmp_path):
    # 100 days from 2024-01-01 priced 1..100; 2024-02-10 .. 2024-03-10 (rows 40-69) unquoted
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(100)]
    price = [float(i + 1) if not 40 <= i < 70 else None for i in range(100)]
    path = tmp_path / "daily.csv"
    pl.DataFrame({"day": days, "price": price}).write_csv(path)
    return path


@pytest.mark.parametrize(("how", "expected"), [
    ("mean", [16.0, 36.0, 81.0, 96.0]),  # Jan: mean 1..31; Feb 1-9: 32..40; Mar 11-31: 71..91; Apr 1-9: 92..100
    ("last", [31.0, 40.0, 91.0, 100.0]),
])
def test_daily_rows_become_months(daily, how, expected):
    series = read_monthly_series(daily, "day", "price", how)
    assert series["date"].to_list() == [dt.date(2024, m, 1) for m in (1, 2, 3, 4)]
    assert series["value"].to_list() == expected
    assert series["rows"].to_list() == [31, 9, 21, 9]  # quotes behind each month (April is partial)


def test_a_month_without_quotes_is_interpolated_and_repeats_refused(tmp_path):
    weeks = [dt.date(2024, 1, 1) + dt.timedelta(weeks=i) for i in range(14)]  # Mondays: 5 in Jan, 4 Feb, 4 Mar, 1 Apr
    price = [10.0] * 5 + [None] * 4 + [40.0] * 5  # February unquoted
    path = tmp_path / "weekly.csv"
    pl.DataFrame({"week": weeks, "price": price}).write_csv(path)
    series = read_monthly_series(path, "week", "price", "mean")
    assert series["value"].to_list() == [10.0, 25.0, 40.0, 40.0]  # February: halfway, interpolated
    assert series["interpolated"].to_list() == [False, True, False, False] and series["rows"].to_list() == [5, 0, 4, 1]
    pl.DataFrame({"week": weeks + weeks[:1], "price": price + [1.0]}).write_csv(path)
    with pytest.raises(DataError, match="repeats 2024-01-01"):
        read_monthly_series(path, "week", "price", "mean")
    with pytest.raises(ConfigError, match="source.resample: 'median'"):
        read_monthly_series(path, "week", "price", "median")


def test_daily_rows_without_resample_name_the_setting(daily):
    with pytest.raises(DataError, match="set source.resample=mean or last"):
        read_monthly_series(daily, "day", "price")


def test_units():
    assert series_unit("australia", None) == "USD/t" and series_unit("prices.csv", None) is None
    assert series_unit("prices.csv", "CNY/t") == "CNY/t"


def test_price_path_must_match_the_decision_band():
    check_price_path([320.0, 410.0], "CNY/t", 300, 450, "CNY/t", "forecast.parquet")
    check_price_path([160.0], None, 300, 450, None, "p.csv")  # within [150, 900]: low, but plausible
    with pytest.raises(ValueError, match="prices in USD/t, the decision's price band 300-450 CNY/t"):
        check_price_path([320.0], "USD/t", 300, 450, "CNY/t", "forecast.parquet")
    with pytest.raises(ValueError, match="prices 95-140 USD/t are nowhere near the decision's price band 300-450"):
        check_price_path(np.array([95.0, 140.0]), "USD/t", 300, 450, None, "forecast.parquet")


def test_a_forecast_table_is_checked_as_optimize_reads_it():
    from minectl.optimize.decision import check_price_frame

    table = pl.DataFrame({"date": [dt.date(2026, 6, 1)] * 2, "model": ["naive", "arima"], "forecast": [120.0, 400.0],
                          "unit": ["USD/t", "USD/t"]})
    check_price_frame(table, "forecast", "arima", 300, 450, "USD/t", "f.parquet")  # arima's 400 USD/t: in the band
    with pytest.raises(ValueError, match="prices 120-120 USD/t are nowhere near"):
        check_price_frame(table, "forecast", "naive", 300, 450, None, "f.parquet")
    with pytest.raises(ValueError, match="prices in USD/t, the decision's price band 300-450 CNY/t"):
        check_price_frame(table, "forecast", "arima", 300, 450, "CNY/t", "f.parquet")
    check_price_frame(table.drop("unit"), "forecast", "arima", 300, 450, "CNY/t", "f.parquet")  # no unit: range only
