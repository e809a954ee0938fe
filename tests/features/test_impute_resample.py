from datetime import date, datetime, timedelta

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from minectl.errors import DataError
from minectl.features import (
    consolidate,
    impute_cycle_mean,
    interpolate_linear,
    metered_daily,
    resample_daily,
)
from minectl.features.impute import fill_linear


def test_interpolation_matches_numpy_interp_on_irregular_times():
    times = [datetime(2024, 1, 1) + timedelta(hours=h) for h in (0, 1, 3, 4, 7, 8)]
    values = [1.0, None, None, 10.0, None, 4.0]
    out = interpolate_linear(
        pl.DataFrame({"timestamp": times, "x": values}), ["x"], by=[], time_col="timestamp"
    ).collect()
    hours = np.array([0, 1, 3, 4, 7, 8], dtype=float)
    known = ~np.isnan(np.array(values, dtype=float))
    expected = np.interp(hours, hours[known], np.array(values, dtype=float)[known])
    np.testing.assert_allclose(out["x"].to_numpy(), expected)
    # eq 3 by hand for t=1 between (0, 1.0) and (4, 10.0): 1 + 1/4 * 9
    assert out["x"][1] == pytest.approx(3.25)
    assert out["x_imputed"].to_list() == [False, True, True, False, True, False]


def test_interpolation_limit_keeps_long_gaps_and_edges_missing():
    values = [None, 1.0, None, None, 4.0, None, None, None, 8.0, None]
    frame = pl.DataFrame({"t": list(range(10)), "x": values})
    out = interpolate_linear(frame, ["x"], by=[], time_col="t", limit=2).collect()
    assert out["x"].to_list() == [None, 1.0, 2.0, 3.0, 4.0, None, None, None, 8.0, None]
    assert out["x_imputed"].sum() == 2


def test_interpolation_does_not_bleed_across_series():
    frame = pl.DataFrame(
        {"mine": ["a", "b", "a", "b", "a", "b"], "t": [0, 0, 1, 1, 2, 2], "x": [0.0, 100.0, None, None, 2.0, None]}
    )
    out = interpolate_linear(frame, ["x"], by=["mine"], time_col="t").collect()
    assert out.filter(pl.col("mine") == "a")["x"].to_list() == [0.0, 1.0, 2.0]
    assert out.filter(pl.col("mine") == "b")["x"].to_list() == [100.0, None, None]


def test_interpolation_rejects_negative_limit():
    with pytest.raises(ValueError, match="limit"):
        interpolate_linear(pl.DataFrame({"t": [0], "x": [1.0]}), ["x"], by=[], time_col="t", limit=-1)


def test_resample_daily_sums_means_and_keeps_empty_days_missing():
    ts = [datetime(2024, 1, 1, 22), datetime(2024, 1, 1, 23), datetime(2024, 1, 2, 0), datetime(2024, 1, 2, 1)]
    frame = pl.DataFrame({"timestamp": ts, "m": ["a"] * 4, "q": [1.0, 2.0, None, None], "s": [10.0, 20.0, 5.0, None]})
    out = resample_daily(frame, by=["m"], sums=["q"], means=["s"]).collect()
    assert out["date"].to_list() == [date(2024, 1, 1), date(2024, 1, 2)]
    assert out["q"].to_list() == [3.0, None]
    assert out["s"].to_list() == [15.0, 5.0]


def _hourly_frame(seed: int, order: str, hours: int = 24 * 6, null_share: float = 0.15) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    # names over 12 bytes are not inlined in Arrow string views (the scan compares views)
    series = [("m1", "drilling"), ("m1", "crushing_and_beneficiation"), ("mine_number_two", "drilling")]
    start = datetime(2024, 3, 1)
    rows = []
    for mine, activity in series:
        q = rng.gamma(3.0, 10.0, hours)
        q[rng.random(hours) < null_share] = np.nan
        q[40:45] = np.nan  # one long outage: longer than the limit below
        q[-1] = np.nan  # a series that ends with a missing reading
        rows.append(
            pl.DataFrame(
                {
                    "timestamp": [start + timedelta(hours=h) for h in range(hours)],
                    "mine_id": mine,
                    "activity": activity,
                    "quantity": pl.Series(q).fill_nan(None),
                }
            )
        )
    frame = pl.concat(rows)
    if order == "time":  # series interleaved hour by hour
        return frame.sort("timestamp", "mine_id", "activity")
    if order == "shuffled":  # any row order
        return frame.sample(fraction=1.0, shuffle=True, seed=seed)
    return frame  # one series after the other, as meters are exported


@pytest.mark.parametrize("batch_rows", [None, 7, 24])  # batch edges inside and between days
@pytest.mark.parametrize("order", ["series", "time", "shuffled"])
@pytest.mark.parametrize("limit", [None, 3])
def test_metered_daily_equals_interpolating_every_hour_then_summing(tmp_path, limit, order, batch_rows):
    frame = _hourly_frame(seed=7, order=order)
    path = tmp_path / "hourly.parquet"
    frame.write_parquet(path)
    keys = ["mine_id", "activity"]
    daily, counts = metered_daily(pl.scan_parquet(path), by=keys, limit=limit, batch_rows=batch_rows)
    daily = daily.sort(["date", *keys])

    dense = interpolate_linear(frame, ["quantity"], by=keys, time_col="timestamp", limit=limit)
    complete = pl.col("quantity").is_not_null().all()
    expected = (
        dense.group_by(pl.col("timestamp").dt.date().alias("date"), *keys)
        .agg(pl.when(complete).then(pl.col("quantity").sum()).alias("quantity"))
        .sort(["date", *keys])
        .collect()
    )
    assert daily.columns == ["date", *keys, "quantity"]
    np.testing.assert_allclose(
        daily["quantity"].to_numpy().astype(float), expected["quantity"].to_numpy().astype(float), equal_nan=True
    )
    n_imputed = int(dense.select(pl.col("quantity_imputed").sum()).collect().item())
    assert counts.missing == frame["quantity"].null_count()
    assert counts.interpolated == n_imputed
    if limit is not None:
        assert counts.unfilled >= 3 * 5  # the 5-hour outage of each series stays missing
        assert daily["quantity"].null_count() >= 3


def test_metered_daily_without_gaps_is_a_plain_daily_sum():
    ts = [datetime(2024, 1, 1) + timedelta(hours=h) for h in range(48)]
    frame = pl.DataFrame({"timestamp": ts, "mine_id": "a", "quantity": [1.0] * 24 + [2.0] * 24})
    daily, counts = metered_daily(frame.lazy(), by=["mine_id"])
    assert daily.sort("date")["quantity"].to_list() == [24.0, 48.0]
    assert (counts.missing, counts.interpolated, counts.unfilled) == (0, 0, 0)


def test_metered_daily_reads_nan_as_missing_and_gives_each_series_its_own_days():
    ts = [datetime(2024, 1, 1, 22) + timedelta(hours=h) for h in range(4)]  # 22:00 .. 01:00
    frame = pl.DataFrame(
        {"timestamp": ts * 2, "mine_id": ["a"] * 4 + ["b"] * 4, "quantity": [1.0, float("nan"), 3.0, 5.0, 2.0, 2.0, 2.0, 2.0]}
    )
    daily, counts = metered_daily(frame.lazy(), by=["mine_id"], batch_rows=3)
    # a: 23:00 is eq 3 between 1 (22:00) and 3 (00:00) -> 2, so day 1 = 1 + 2; day 2 = 3 + 5
    assert daily.rows() == [(date(2024, 1, 1), "a", 3.0), (date(2024, 1, 2), "a", 8.0), (date(2024, 1, 1), "b", 4.0), (date(2024, 1, 2), "b", 4.0)]
    assert (counts.missing, counts.interpolated) == (1, 1)


def test_metered_daily_takes_local_dates_of_zoned_timestamps():
    # Berlin switches to summer time on 2024-03-31: that local day has 23 hours
    ts = pl.datetime_range(datetime(2024, 3, 30), datetime(2024, 4, 1, 23), "1h", time_zone="Europe/Berlin", eager=True)
    quantity = pl.Series([None if i == 30 else float(i) for i in range(len(ts))])
    frame = pl.DataFrame({"timestamp": ts, "mine_id": "a", "quantity": quantity})
    daily, counts = metered_daily(frame.lazy(), by=["mine_id"], batch_rows=10)
    # 0..23, then 24..46 (23 h, 30 filled by eq 3 as 30), then 47..70
    assert daily["quantity"].to_list() == [sum(range(24)), sum(range(24, 47)), sum(range(47, 71))]
    assert daily["date"].to_list() == [date(2024, 3, 30), date(2024, 3, 31), date(2024, 4, 1)]
    assert (counts.missing, counts.interpolated) == (1, 1)


def test_metered_daily_prepares_each_series_keys_once():
    ts = [datetime(2024, 1, 1) + timedelta(hours=h) for h in range(48)]
    frame = pl.DataFrame({"timestamp": ts * 2, "mine_id": ["a"] * 48 + ["b"] * 48, "quantity": 1.0})
    seen = []

    def as_enum(keys: pl.DataFrame) -> pl.DataFrame:
        seen.append(keys.rows())
        return keys.with_columns(pl.col("mine_id").cast(pl.Enum(["b", "a"])))

    daily, _ = metered_daily(frame.lazy(), by=["mine_id"], prepare_keys=as_enum)
    assert seen == [[("a",), ("b",)]]  # the distinct series, not the 4 daily rows
    assert daily["mine_id"].dtype == pl.Enum(["b", "a"])
    assert daily.rows() == [(date(2024, 1, 1), "a", 24.0), (date(2024, 1, 2), "a", 24.0), (date(2024, 1, 1), "b", 24.0), (date(2024, 1, 2), "b", 24.0)]


def test_metered_daily_rejects_null_keys_and_no_keys():
    ts = [datetime(2024, 1, 1) + timedelta(hours=h) for h in range(3)]
    frame = pl.DataFrame({"timestamp": ts, "mine_id": ["a", None, "a"], "quantity": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match="consumption_hourly: 1 rows without a mine_id; expected a value in every row"):
        metered_daily(frame.lazy(), by=["mine_id"])
    with pytest.raises(ValueError, match="at least one series key"):
        metered_daily(frame.lazy(), by=[])


def test_key_columns_are_read_as_string_views_whatever_arrow_type_they_come_in():
    from minectl.data.views import buffer, string_views

    for array in (pa.array(["M01", "drilling", "M01"]), pa.array(["M01", "drilling", "M01"], pa.large_string())):
        views = buffer(string_views(array), np.uint64, width=2)
        assert views.shape == (3, 2) and (views[0] == views[2]).all() and (views[0] != views[1]).any()


def test_fill_linear_by_hand():
    series = np.array([0, 0, 0, 0, 1, 1, 1])
    t = np.array([0, 1, 2, 4, 0, 1, 2])
    x = np.array([2.0, np.nan, 6.0, np.nan, np.nan, 1.0, np.nan])
    filled, mask = fill_linear(series, t, x, limit=None)
    # (0, 1) lies between 2.0 at t=0 and 6.0 at t=2; the other gaps lack a neighbour in their series
    np.testing.assert_array_equal(filled, [2.0, 4.0, 6.0, np.nan, np.nan, 1.0, np.nan])
    assert mask.tolist() == [False, True, False, False, False, False, False]
    assert not fill_linear(series, t, x, limit=0)[1].any()


def test_consolidate_sums_same_day_records_and_imputes_cycle_mean():
    frame = pl.DataFrame(
        {
            "date": [date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3), date(2024, 2, 1), date(2024, 2, 2)],
            "item": ["x"] * 6,
            "q": [2.0, 3.0, None, 7.0, None, None],
        }
    )
    consolidated = consolidate(frame, "q", by=["item"])
    assert consolidated.collect()["q"].to_list() == [5.0, None, 7.0, None, None]
    out = impute_cycle_mean(consolidated, "q", by=["item"]).collect()
    # Jan: day 1 = 2 + 3 = 5, day 3 = 7, day 2 missing -> mean(5, 7) = 6. Feb: no valid record.
    assert out["q"].to_list() == [5.0, 6.0, 7.0, None, None]
    assert out["q_imputed"].to_list() == [False, True, False, False, False]


def test_cycle_mean_is_per_series_and_cycle():
    frame = pl.DataFrame(
        {
            "date": [date(2024, 1, 1), date(2024, 1, 8), date(2024, 1, 9), date(2024, 1, 1), date(2024, 1, 2)],
            "item": ["x", "x", "x", "y", "y"],
            "q": [1.0, 10.0, None, 100.0, None],
        }
    )
    out = impute_cycle_mean(frame, "q", by=["item"], cycle="1w").collect()
    # x on Jan 9 is in the week of Jan 8 (mean 10, not 5.5); y gets y's own mean
    assert out["q"].to_list() == [1.0, 10.0, 10.0, 100.0, 100.0]
    assert out["q_imputed"].sum() == 2


def test_cycle_mean_of_interleaved_shuffled_rows_keeps_their_order():
    frame = pl.DataFrame(
        {
            "date": [date(2024, 1, 9), date(2024, 1, 2), date(2024, 2, 1), date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 5)],
            "item": ["x", "y", "x", "x", "y", "x"],
            "q": [None, None, 4.0, 1.0, 8.0, float("nan")],  # NaN is missing too
        }
    )
    out = impute_cycle_mean(frame, "q", by=["item"]).collect()
    # x in January: only 1.0 is valid -> both missing x days get 1; y in January: 8
    assert out.select("date", "item").equals(frame.select("date", "item"))
    assert out["q"].to_list() == [1.0, 8.0, 4.0, 1.0, 8.0, 1.0]
    assert out["q_imputed"].to_list() == [True, True, False, False, False, True]


def test_cycle_mean_of_datetimes_truncates_each_row():
    stamps = [datetime(2024, 1, 1, 6), datetime(2024, 1, 1, 18), datetime(2024, 1, 2, 6), datetime(2024, 1, 2, 12)]
    frame = pl.DataFrame({"timestamp": stamps, "item": "x", "q": [2.0, None, 5.0, None]})
    out = impute_cycle_mean(frame, "q", by=["item"], date_col="timestamp", cycle="1d").collect()
    assert out["q"].to_list() == [2.0, 2.0, 5.0, 5.0]


def test_interpolation_of_sorted_and_shuffled_rows_is_the_same():
    # rows that come sorted by series and time are not sorted again: the same frame back
    rng = np.random.default_rng(5)
    n = 48
    frame = pl.DataFrame({
        "mine": np.repeat(["a", "b", "c"], n), "t": np.tile(np.arange(n), 3),
        "x": np.where(rng.random(3 * n) < 0.2, np.nan, rng.normal(size=3 * n)),
    }).with_columns(pl.col("x").fill_nan(None))
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=2)
    from_sorted = interpolate_linear(frame, ["x"], by=["mine"], time_col="t", limit=3).collect()
    assert from_sorted.equals(interpolate_linear(shuffled, ["x"], by=["mine"], time_col="t", limit=3).collect())
    # series in one run each but not in key order: sorted, as documented
    reversed_mines = frame.sort("mine", "t", descending=[True, False])
    out = interpolate_linear(reversed_mines, ["x"], by=["mine"], time_col="t", limit=3).collect()
    assert out.equals(from_sorted)
