from datetime import date, datetime

import polars as pl
import pytest

from minectl.errors import DataError
from minectl.forecast.series import read_monthly_series


def write_csv(tmp_path, text):
    path = tmp_path / "prices.csv"
    path.write_text(text)
    return path


def test_leading_and_trailing_gaps_dropped_interior_gap_interpolated(tmp_path):
    path = write_csv(tmp_path, "m,p\n2020-01,\n2020-02,100\n2020-03,\n2020-04,130\n2020-05-15,120\n2020-06,\n")
    series = read_monthly_series(path, "m", "p")
    assert series["date"].to_list() == [date(2020, 2, 1), date(2020, 3, 1), date(2020, 4, 1), date(2020, 5, 1)]
    assert series["value"].to_list() == [100.0, 115.0, 130.0, 120.0]
    assert series["interpolated"].to_list() == [False, True, False, False]


def test_parquet_with_datetimes_out_of_order(tmp_path):
    path = tmp_path / "prices.parquet"
    pl.DataFrame({"when": [datetime(2021, 2, 3), datetime(2021, 1, 9)], "usd": [2, 1]}).write_parquet(path)
    series = read_monthly_series(path, "when", "usd")
    assert series.select("date", "value").rows() == [(date(2021, 1, 1), 1.0), (date(2021, 2, 1), 2.0)]


@pytest.mark.parametrize(
    "text, message",
    [
        ("m,p\n2020-01,1\n", "column 'value' not found"),
        ("m,value\n2020-01,1\n2020-03,2\n", "skips the month after 2020-01"),
        ("m,value\n2020-01,1\n2020-01,2\n", "repeats month 2020-01"),
        ("m,value\n2020-01,1\n2020-02,0\n", "must be > 0"),
        ("m,value\n2020-01,1\n2020-02,abc\n", "column 'value' has 1 values that are not numbers \\(first at row 2: 'abc'\\)"),
        ("m,value\nJan 20,1\n", "column 'm' must hold dates"),  # 1920 or 2020: a two-digit year is no date
        ("m,value\n2020-01,\n", "column 'value' has no values"),
    ],
)
def test_bad_series_file_names_file_column_and_problem(tmp_path, text, message):
    path = write_csv(tmp_path, text)
    with pytest.raises(DataError, match=f"prices.csv: .*{message}"):
        read_monthly_series(path, "m", "value")


def test_missing_or_unsupported_file(tmp_path):
    with pytest.raises(DataError, match="absent.csv: not found; expected the series as a .csv"):
        read_monthly_series(tmp_path / "absent.csv", "m", "p")
    (tmp_path / "prices.xlsx").write_text("x")
    with pytest.raises(DataError, match="unsupported series file type"):
        read_monthly_series(tmp_path / "prices.xlsx", "m", "p")
