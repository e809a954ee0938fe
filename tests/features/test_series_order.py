import datetime as dt

import numpy as np
import polars as pl
import pytest

from minectl.errors import DataError
from minectl.features.series import calendar_dates, parse_dates, series_order


def test_rows_already_in_series_order_are_not_sorted():
    frame = pl.DataFrame({"k": ["b", "b", "a", "a", "a"], "t": [1, 2, 1, 2, 2]})  # grouped, times ascending (ties allowed)
    rows = series_order(frame, ["k"], "t")
    assert rows.order is None
    assert rows.starts.tolist() == [0, 2]


def test_interleaved_or_backwards_rows_are_sorted_and_put_back():
    frame = pl.DataFrame({"k": ["a", "b", "a", "b", "a"], "t": [3, 1, 1, 2, 2]})
    rows = series_order(frame, ["k"], "t")
    assert rows.order.tolist() == [2, 4, 0, 1, 3]  # a at t 1, 2, 3, then b at t 1, 2
    assert rows.starts.tolist() == [0, 3]
    values = np.arange(5.0)
    assert rows.restore(rows.arrange(values)).tolist() == values.tolist()
    # a series split into two runs is not in series order, even with its times ascending
    split = pl.DataFrame({"k": ["a", "b", "a"], "t": [1, 1, 2]})
    assert series_order(split, ["k"], "t").order.tolist() == [0, 2, 1]


def test_without_keys_all_rows_are_one_series_in_time_order():
    frame = pl.DataFrame({"t": [2, 1, 3]})
    rows = series_order(frame, [], "t")
    assert rows.order.tolist() == [1, 0, 2]
    assert rows.starts.tolist() == [0]
    assert series_order(frame.head(0), [], "t").starts.tolist() == []


def test_an_integer_series_id_is_compared_as_it_is():
    in_order = pl.DataFrame({"id": [7, 7, 3, 3], "t": [1, 2, 1, 2]})
    rows = series_order(in_order, ["id"], "t")
    assert rows.order is None and rows.starts.tolist() == [0, 2]
    split = pl.DataFrame({"id": [7, 3, 7], "t": [1, 1, 2]})  # 7 comes back after 3: not one run
    assert series_order(split, ["id"], "t").order.tolist() == [1, 0, 2]


@pytest.mark.parametrize("text, refused", [
    (["03/01/2024", "04/01/2024", "05/01/2024"], "'03/01/2024'"),  # 3 Jan... or 1 Mar...: refused
    (["01-02-2024", "01-03-2024"], "'01-02-2024'"),
    (["03/01/2024 06:00", "03/02/2024 06:00"], "'03/01/2024 06:00'"),
    (["13/01/2024", "14/01/2024", "03/02/2024"], None),  # a day above 12: day first only
    (["01/01/2024", "02/02/2024"], None),  # both readings give the same dates
    (["03.01.2024", "04.01.2024"], None),  # dotted dates are day first by convention
    (["2024-03-01", "2024-04-01"], None),
    (["03/01/2024", None, "x"], None),  # text that is no date: refused where it is parsed
])
def test_dates_that_read_day_first_and_month_first_are_refused(text, refused):
    column = pl.Series("date", text, dtype=pl.String)
    if refused is None:
        parse_dates(column, "f.csv")
    else:
        with pytest.raises(DataError, match=f"f.csv: column 'date' has dates such as {refused} that read both day first"):
            parse_dates(column, "f.csv")


def test_slashed_dates_read_in_the_order_the_column_shows():
    day_first = pl.Series("date", ["13/01/2024", "03/02/2024", "2024-05"])
    assert parse_dates(day_first, "f.csv").to_list() == [dt.datetime(2024, 1, 13), dt.datetime(2024, 2, 3), dt.datetime(2024, 5, 1)]
    month_first = pl.Series("date", ["01/13/2024", "03/02/2024"])  # a US export: 13 January, 2 March
    assert parse_dates(month_first, "f.csv").to_list() == [dt.datetime(2024, 1, 13), dt.datetime(2024, 3, 2)]
    neither = pl.Series("date", ["13/01/2024", "01/13/2024"])
    assert parse_dates(neither, "f.csv").to_list() == [dt.datetime(2024, 1, 13), None]  # refused by the callers


@pytest.mark.parametrize("text", [["03/1998", "12/1998"], ["3/1998", "12.1998"], ["1998-3", "1998-12"], ["1998/3", "1998/12"],
                                  ["1998-03", "1998-12"], ["Mar-1998", "December-1998"], ["1998M3", "1998M12"]])
def test_months_as_exports_write_them_read_as_their_first_day(text):
    # month/year (a European spreadsheet's mm/yyyy) was refused as "not dates"; a month is a month however written
    assert calendar_dates(pl.Series("month", text), "f.csv").to_list() == [dt.datetime(1998, 3, 1), dt.datetime(1998, 12, 1)]


def test_a_thirteenth_month_reads_as_no_date():
    assert calendar_dates(pl.Series("month", ["13/1998"]), "f.csv").to_list() == [None]
