"""The company-scale paths of `minectl cost` (issue #20): hourly meters whose names fit in an
Arrow string view (<= 12 bytes, as real meter tags often do), in the layouts exports come in,
give the daily sums of interpolating every hour and then summing."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest

from minectl.features import interpolate_linear, metered_daily

SERIES = [("M01", "drilling"), ("M01", "hauling"), ("M02", "drilling"), ("M02", "ventilation")]


def _meters(order: str, hours: int = 24 * 5, seed: int = 3) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    start = datetime(2024, 1, 1)
    parts = []
    for mine, activity in SERIES:
        q = rng.gamma(3.0, 10.0, hours)
        q[rng.random(hours) < 0.1] = np.nan
        q[30:34] = np.nan  # a 4-hour outage: longer than limit=3
        q[0] = np.nan  # a series that starts with a missing reading: never filled
        parts.append(pl.DataFrame({"timestamp": [start + timedelta(hours=h) for h in range(hours)], "mine_id": mine,
                                   "activity": activity, "quantity": pl.Series(q).fill_nan(None)}))
    frame = pl.concat(parts)
    if order == "time":  # timestamp-major: every series in turn, hour by hour (rows repeat with a period)
        return frame.sort("timestamp", "mine_id", "activity")
    if order == "time_irregular":  # timestamp-major, the series' order changing from hour to hour
        return frame.with_columns(_k=pl.Series(rng.random(frame.height))).sort("timestamp", "_k").drop("_k")
    if order == "shuffled":
        return frame.sample(fraction=1.0, shuffle=True, seed=seed)
    return frame  # series after series


def _interpolated_then_summed(frame: pl.DataFrame, keys: list[str], limit: int | None) -> pl.DataFrame:
    dense = interpolate_linear(frame, ["quantity"], by=keys, time_col="timestamp", limit=limit)
    complete = pl.col("quantity").is_not_null().all()
    return (dense.group_by(pl.col("timestamp").dt.date().alias("date"), *keys)
            .agg(pl.when(complete).then(pl.col("quantity").sum()).alias("quantity")).sort(["date", *keys]).collect())


@pytest.mark.parametrize("batch_rows", [None, 5, 24, 100])  # batch edges inside a period, a day, between days
@pytest.mark.parametrize("order", ["series", "time", "time_irregular", "shuffled"])
@pytest.mark.parametrize("limit", [None, 3])
def test_short_meter_names_in_every_layout_give_the_dense_daily_sums(tmp_path, order, batch_rows, limit):
    frame = _meters(order)
    path = tmp_path / "hourly.parquet"
    frame.write_parquet(path)
    keys = ["mine_id", "activity"]
    daily, counts = metered_daily(pl.scan_parquet(path), by=keys, limit=limit, batch_rows=batch_rows)
    expected = _interpolated_then_summed(frame, keys, limit)
    assert daily.sort(["date", *keys]).select("date", *keys).equals(expected.select("date", *keys))
    np.testing.assert_allclose(daily.sort(["date", *keys])["quantity"].to_numpy().astype(float),
                               expected["quantity"].to_numpy().astype(float), rtol=1e-12, equal_nan=True)
    # series ids in order of first appearance: the output's series order follows the file
    first_seen = frame.select(keys).unique(maintain_order=True).rows()
    assert daily.select(keys).unique(maintain_order=True).rows() == first_seen
    assert counts.missing == frame["quantity"].null_count()
    filled = interpolate_linear(frame, ["quantity"], by=keys, time_col="timestamp", limit=limit).collect()
    assert counts.interpolated == int(filled["quantity_imputed"].sum())


def test_the_same_file_gives_the_same_bits_in_any_batching(tmp_path):
    """Sums run in file order within a batch's (series, day) runs: timestamp-major rows give the
    same bits whether a batch holds an hour, a day or the whole file."""
    path = tmp_path / "hourly.parquet"
    _meters("time").write_parquet(path)
    results = [metered_daily(pl.scan_parquet(path), by=["mine_id", "activity"], limit=6, batch_rows=rows)[0]
               for rows in (None, 4 * 24, 4 * 24 * 2)]  # batch edges on day edges
    assert results[0].equals(results[1]) and results[0].equals(results[2])


@pytest.fixture(scope="module")
def three_mines():
    from minectl.data.synth import generate

    tables = generate(mines=3, years=0.25, seed=5)
    return tables["sensors"], tables["equipment"]


@pytest.mark.parametrize("layout", ["a part per mine", "mines spread over the file"])
def test_sensor_days_are_the_same_bits_in_chunks_of_whole_mines(tmp_path, monkeypatch, three_mines, layout):
    """Every sensor step works per mine: chunks of a mine or two (and the whole-file fallback
    where a mine's rows are spread) give the daily means and counts of one pass over all rows."""
    from minectl.costing import accounts

    sensors, equipment = three_mines
    if layout == "a part per mine":
        for i, (_, part) in enumerate(sensors.group_by("mine_id", maintain_order=True)):
            part.write_parquet(tmp_path / f"part-{i}.parquet")
    else:
        sensors.sort("timestamp", "mine_id").write_parquet(tmp_path / "part-0.parquet", row_group_size=1000)
    scan = pl.scan_parquet(tmp_path / "*.parquet")
    prep = accounts.Preprocessing()
    events = accounts._events(equipment, prep, 0)
    whole, whole_counts = accounts._sensor_daily(sensors, events, prep)  # one chunk: every row at once
    monkeypatch.setattr(accounts, "_CHUNK_ROWS", sensors.height // 5)  # a mine or two per chunk
    chunked, counts = accounts._sensor_daily(scan, events, prep)
    assert chunked.collect().equals(whole.collect())
    assert counts == whole_counts and counts["sensor_outliers_removed"] > 0 and counts["sensor_interpolated"] > 0


@pytest.mark.parametrize("batch_rows", [12 * 30, 12 * 60])  # 30 hours a batch: days split between batches
def test_timestamp_major_batches_reduced_as_a_matrix_give_the_sorted_reduction_s_bits(tmp_path, monkeypatch, batch_rows):
    """A batch of rows cycling through the same meters at one time per cycle is reduced as a
    (cycle, meter) matrix; with that path turned off the same rows are sorted by meter and day and
    reduced run by run. Both give the same daily sums, counts and neighbours, bit for bit."""
    from minectl.features import resample

    rng = np.random.default_rng(11)
    meters = [(f"M{m:02d}", activity) for m in (3, 1, 2) for activity in ("drill", "haul", "vent", "pump")]  # 12, not sorted
    hours = 24 * 5
    stamps = [datetime(2024, 1, 1, 5) + timedelta(hours=h) for h in range(hours)]  # from 05:00: part first and last days
    q = rng.lognormal(3.0, 2.0, hours * len(meters))
    q[rng.random(q.size) < 0.08] = np.nan
    frame = pl.DataFrame({"timestamp": pl.Series(stamps).gather(np.repeat(np.arange(hours), len(meters))), "mine_id": [m for m, _ in meters] * hours,
                          "activity": [a for _, a in meters] * hours, "quantity": pl.Series(q).fill_nan(None)})
    # from hour 60 on the meters cycle in the reverse order: a batch's places are not in series id order
    place = pl.int_range(pl.len()) % len(meters)
    frame = frame.sort(pl.col("timestamp"), pl.when(pl.col("timestamp") >= stamps[60]).then(-place).otherwise(place))
    path = tmp_path / "hourly.parquet"
    frame.write_parquet(path)
    keys = ["mine_id", "activity"]
    reduced = []
    original = resample._cycle_reduce

    def counted(*args):
        result = original(*args)
        reduced.append(result is not None)
        return result

    monkeypatch.setattr(resample, "_cycle_reduce", counted)
    as_matrix = resample.metered_daily(pl.scan_parquet(path), by=keys, limit=3, batch_rows=batch_rows)
    assert reduced and all(reduced)
    monkeypatch.setattr(resample, "_cycle_reduce", lambda *args: None)
    sorted_runs = resample.metered_daily(pl.scan_parquet(path), by=keys, limit=3, batch_rows=batch_rows)
    assert as_matrix[0].equals(sorted_runs[0]) and as_matrix[1] == sorted_runs[1]
    assert as_matrix[0]["quantity"].to_numpy().tobytes() == sorted_runs[0]["quantity"].to_numpy().tobytes()
    np.testing.assert_allclose(as_matrix[0].sort(["date", *keys])["quantity"].to_numpy().astype(float),
                               _interpolated_then_summed(frame, keys, 3)["quantity"].to_numpy().astype(float),
                               rtol=1e-12, equal_nan=True)
