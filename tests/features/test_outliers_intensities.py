from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from minectl.features import add_intensities, drop_outliers, flag_outliers


def _series(values, events=None):
    n = len(values)
    return pl.DataFrame(
        {
            "date": [date(2024, 1, 1) + timedelta(days=i) for i in range(n)],
            "mine_id": "a",
            "q": values,
            "event": events if events is not None else [False] * n,
        }
    )


def test_three_sigma_matches_numpy_over_the_previous_window():
    rng = np.random.default_rng(3)
    values = list(100 + rng.normal(0, 1, 40))
    values[30] = 130.0
    out = flag_outliers(_series(values), "q", by=["mine_id"], window=10, n_sigma=3).collect()
    x = np.array(values)
    expected = [
        i >= 10 and abs(x[i] - x[i - 10 : i].mean()) > 3 * x[i - 10 : i].std(ddof=1) for i in range(len(x))
    ]
    assert out["outlier_sigma"].to_list() == expected
    assert expected[30]
    # before a full window there is no sigma: nothing is flagged in the first 10 days
    assert not out["outlier_sigma"][:10].any()


def test_event_explained_spike_is_kept_and_noise_spike_removed():
    values = [10.0, 11.0, 9.0, 10.0, 11.0, 9.0, 10.0, 50.0] + [10.0, 11.0, 9.0] * 3 + [48.0]
    events = [False] * 17 + [True]
    flagged = flag_outliers(_series(values, events), "q", by=["mine_id"], window=5, n_sigma=3, event=pl.col("event"))
    out = drop_outliers(flagged, "q").collect()
    assert out["outlier"].to_list()[7] and out["outlier"].to_list()[17]
    assert out["q"][7] is None  # noise: cleaned
    assert out["q"][17] == 48.0  # downtime/maintenance that day: real signal, kept
    assert out["event_kept"].sum() == 1


def test_business_thresholds_flag_without_history():
    values = [5.0, -1.0, 7.0, 200.0]
    out = flag_outliers(
        _series(values), "q", by=["mine_id"], window=5, lower=0.0, upper=pl.lit(100.0)
    ).collect()
    assert out["outlier_threshold"].to_list() == [False, True, False, True]
    assert out["outlier_sigma"].sum() == 0


@pytest.mark.parametrize("kwargs", [{"window": 1}, {"n_sigma": 0.0}, {"n_sigma": -3.0}])
def test_outlier_parameters_are_checked(kwargs):
    with pytest.raises(ValueError):
        flag_outliers(_series([1.0, 2.0]), "q", by=["mine_id"], **kwargs)


def test_intensities_changes_and_rolling_means():
    frame = pl.DataFrame(
        {
            "date": [date(2024, 1, d) for d in (1, 2, 3, 1, 2, 3)],
            "mine_id": ["a", "a", "a", "b", "b", "b"],
            "kwh": [100.0, 150.0, 120.0, 10.0, 10.0, 0.0],
            "ore_t": [10.0, 0.0, 12.0, 5.0, 5.0, 5.0],
        }
    )
    out = add_intensities(
        frame, {"kwh_per_t": ("kwh", "ore_t")}, change=["kwh"], rolling=["kwh"], window=2
    ).collect()
    a = out.filter(pl.col("mine_id") == "a")
    assert a["kwh_per_t"].to_list() == [10.0, None, 10.0]  # Q = 0: no intensity, no error
    assert a["kwh_chg"].to_list() == [None, pytest.approx(0.5), pytest.approx(-0.2)]
    assert a["kwh_rm"].to_list() == [100.0, 125.0, 135.0]
    b = out.filter(pl.col("mine_id") == "b")
    assert b["kwh_chg"].to_list() == [None, 0.0, -1.0]  # changes never cross mines


def test_flags_per_run_equal_the_windows_over_each_series():
    # frames in series order (hourly sensors of whole mines) take each series' slice of rows:
    # the same flags, bit for bit, as the per-series window of `over`, also around missing readings
    from minectl.features.series import series_order

    rng = np.random.default_rng(7)
    parts = []
    for mine, n in (("a", 60), ("b", 5), ("c", 90)):  # "b" is shorter than a window
        x = 100 + rng.normal(0, 1, n)
        x[rng.random(n) < 0.1] = np.nan
        x[n // 2] = 140.0
        parts.append(pl.DataFrame({"date": [date(2024, 1, 1) + timedelta(days=i) for i in range(n)], "mine_id": mine,
                                   "q": x}).with_columns(pl.col("q").fill_nan(None)))
    frame = pl.concat(parts)
    rows = series_order(frame, ["mine_id"], "date")
    assert rows.order is None and rows.starts.tolist() == [0, 60, 65]
    ordered = flag_outliers(frame, "q", by=["mine_id"], window=10, n_sigma=3, min_periods=5).collect()
    per_run = flag_outliers(frame, "q", by=["mine_id"], window=10, n_sigma=3, min_periods=5, runs=rows.starts).collect()
    assert per_run.equals(ordered)
    assert per_run["outlier_sigma"].to_list()[30] and per_run["outlier_sigma"].to_list()[65 + 45]
    assert not per_run["outlier_sigma"][60:66].any()  # mine b: too short for a window; c's first row has no history
    empty = frame.clear()
    assert flag_outliers(empty, "q", by=["mine_id"], runs=series_order(empty, ["mine_id"], "date").starts).collect().height == 0
