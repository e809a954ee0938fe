import numpy as np
import polars as pl

from minectl.features.series import series_order


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
