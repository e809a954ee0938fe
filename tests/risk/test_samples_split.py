"""Windows never read past t, the split is chronological, the z-score sees training days only."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from minectl.errors import ConfigError
from minectl.risk.samples import ZScore, feature_names, supervised_samples, window_features
from minectl.risk.split import chronological_split, split_by_time
from minectl.risk.workflow import Layout, build_dataset, run_lead, scaler_for


def test_window_rows_hand_checked():
    dynamic = np.arange(12.0).reshape(6, 2)  # day d holds [2d, 2d+1]
    static = np.arange(6.0)[:, None] * 10
    X, end = window_features(dynamic, static, window=3)
    np.testing.assert_array_equal(end, [2, 3, 4, 5])
    np.testing.assert_array_equal(X[0], [0, 1, 2, 3, 4, 5, 20])  # days 0,1,2 then static of day 2
    assert feature_names(["a", "b"], ["s"], 2) == ["a@t-1", "b@t-1", "a@t-0", "b@t-0", "s"]


def test_supervised_pairs_label_at_t_plus_lead():
    dynamic = np.zeros((10, 1))
    labels = np.arange(10)
    s = supervised_samples(dynamic, np.zeros((10, 0)), labels, window=3, lead=4)
    np.testing.assert_array_equal(s.end_index, [2, 3, 4, 5])
    np.testing.assert_array_equal(s.y, [6, 7, 8, 9])


def test_no_look_ahead_future_perturbation_leaves_features_unchanged():
    rng = np.random.default_rng(0)
    dynamic, static = rng.normal(size=(40, 3)), rng.normal(size=(40, 2))
    X, end = window_features(dynamic, static, window=5)
    for t in (4, 17, 38):
        future = dynamic.copy()
        future[t + 1:] += rng.normal(size=future[t + 1:].shape) * 100
        future_static = static.copy()
        future_static[t + 1:] = -999
        X_perturbed, _ = window_features(future, future_static, window=5)
        rows = end <= t
        np.testing.assert_array_equal(X_perturbed[rows], X[rows])
        assert not np.array_equal(X_perturbed[end == t + 1], X[end == t + 1])


def test_window_longer_than_data_and_no_sample_fail_clearly():
    with pytest.raises(ConfigError, match="^window: 11"):
        window_features(np.zeros((10, 1)), np.zeros((10, 0)), window=11)
    with pytest.raises(ConfigError, match="^window/lead: window 8 \\+ lead 5 leave no sample"):
        supervised_samples(np.zeros((10, 1)), np.zeros((10, 0)), np.zeros(10, int), window=8, lead=5)
    with pytest.raises(ConfigError, match="^lead: -1 must be >= 0"):
        supervised_samples(np.zeros((10, 1)), np.zeros((10, 0)), np.zeros(10, int), window=2, lead=-1)


def test_split_is_chronological_with_purge_gap():
    train, val, test = chronological_split(100, 0.2, 0.1, gap=3)
    np.testing.assert_array_equal(test, np.arange(90, 100))
    np.testing.assert_array_equal(val, np.arange(67, 87))
    np.testing.assert_array_equal(train, np.arange(0, 64))
    assert train.max() + 3 < val.min() and val.max() + 3 < test.min()


@pytest.mark.parametrize("val,test", [(0.0, 0.2), (0.5, 0.5), (0.2, 1.2)])
def test_bad_split_fractions(val, test):
    with pytest.raises(ConfigError, match="^val_fraction/test_fraction: "):
        chronological_split(100, val, test)


def test_split_too_small():
    with pytest.raises(ConfigError, match="too few"):
        chronological_split(5, 0.2, 0.2, gap=2)


def _frame(days=60, mines=("A", "B")):
    start = dt.date(2024, 1, 1)
    rows = []
    for m, mine in enumerate(mines):
        for d in range(days):
            rows.append({"mine_id": mine, "date": start + dt.timedelta(days=d), "x": float(d + 100 * m),
                         "s": float(m), "risk": d % 3})
    return pl.DataFrame(rows)


def test_dataset_orders_mines_by_date_and_zscore_uses_training_days_only():
    frame = _frame()
    layout = Layout(dynamic=["x"], static=["s"], window=4, n_levels=3)
    data = build_dataset(frame.sample(fraction=1.0, shuffle=True, seed=1), layout, lead=1)
    assert (np.diff(data.dates.astype("datetime64[D]").astype(int)) >= 0).all()
    assert len(data.samples.y) == 2 * (60 - 4 + 1 - 1)
    until = dt.date(2024, 1, 30)
    scaler = scaler_for(frame, layout, until, np.array([[0.0], [1.0]]))
    train_x = frame.filter(pl.col("date") <= until)["x"].to_numpy()
    np.testing.assert_allclose(scaler.mean_[:4], train_x.mean())
    np.testing.assert_allclose(scaler.sd_[:4], train_x.std())
    future = frame.with_columns(pl.when(pl.col("date") > until).then(1e6).otherwise(pl.col("x")).alias("x"))
    again = scaler_for(future, layout, until, np.array([[0.0], [1.0]]))
    np.testing.assert_array_equal(again.mean_, scaler.mean_)


def test_several_series_split_by_time_with_a_gap_of_periods():
    days = np.repeat(np.arange(100), 3)  # three series, a sample a day each, sorted by day
    train, val, test = split_by_time(days, 0.2, 0.1, gap=3)
    # the days split as one series' samples do (64 | 3 | 20 | 3 | 10), each day's three samples in one part
    np.testing.assert_array_equal(train, np.arange(0, 3 * 64))
    np.testing.assert_array_equal(val, np.arange(3 * 67, 3 * 87))
    np.testing.assert_array_equal(test, np.arange(3 * 90, 300))
    one = split_by_time(np.arange(100), 0.2, 0.1, gap=3)
    for mine, alone in zip(one, chronological_split(100, 0.2, 0.1, gap=3), strict=True):
        np.testing.assert_array_equal(mine, alone)


def test_no_training_target_of_any_mine_falls_in_the_validation_days():
    """Split by samples, three mines' gap of 3 samples was one day: training labels of days the
    validation part is scored on."""
    from sklearn.linear_model import LogisticRegression

    lead = 3
    frame = _frame(days=90, mines=("A", "B", "C")).with_columns(pl.col("x") + pl.col("risk") * 0.5)
    layout = Layout(dynamic=["x"], static=["s"], window=4, n_levels=3)
    result = run_lead(frame, layout, lead, lambda: LogisticRegression(max_iter=500), 0.2, 0.2, None)
    dates, (train, val, test) = result.dataset.dates, result.split
    targets = dates[train] + np.timedelta64(lead, "D")  # each training sample's target day
    assert targets.max() < dates[val].min() and dates[val].max() + np.timedelta64(lead, "D") < dates[test].min()
    assert len(train) % 3 == len(val) % 3 == len(test) % 3 == 0  # a day's three mines together


def test_zscore_constant_column_passes_centred():
    z = ZScore().fit(np.array([[1.0, 5.0], [3.0, 5.0]]))
    np.testing.assert_allclose(z.transform(np.array([[2.0, 5.0]])), [[0.0, 0.0]])
