"""Issue 15, risk: time from a declared column, amounts in time units, labels cut from a continuous
column (training-part quantiles only), leakage, missing-value policies and case tables, each on a
small frame built for it with hand-computed figures."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from sklearn.linear_model import LogisticRegression

from minectl.errors import ConfigError, DataError
from minectl.risk import inputs
from minectl.risk.cases import cross_validate
from minectl.risk.labels import LevelCut, check_cuts
from minectl.risk.leakage import leaking, single_feature_scores
from minectl.risk.missing import apply_missing, policies_for
from minectl.risk.summary import cv_verdicts, verdicts
from minectl.risk.timeaxis import Frequency, infer_frequency, lead_key, order_by_time
from minectl.risk.workflow import Layout, build_dataset, fill_medians, fit_on_training, run_lead

T0 = dt.datetime(2024, 1, 1)


def lr():
    return LogisticRegression(max_iter=1000)


# ------------------------------------------------------------------------------------- time axis


@pytest.mark.parametrize(("frequency", "amount", "periods"), [
    ("1h", "6h", 6), ("8h", "1d", 3), ("1shift", "3shift", 3), ("1shift", "1d", 3), ("1d", "2w", 14),
    ("1d", 4, 4), ("1row", "5row", 5), ("30min", "2h", 4),
])
def test_amounts_become_whole_periods(frequency, amount, periods):
    assert Frequency.parse(frequency).periods(amount, "risk.lead_times") == periods


@pytest.mark.parametrize(("frequency", "amount", "message"), [
    ("8h", "5h", "0.625 periods of 8h; expected a whole number"),
    ("1row", "1d", "cannot be converted to periods of 1row"),
    ("1d", "3 fortnights", "expected an amount with a unit"),
])
def test_amounts_that_do_not_fit_are_refused(frequency, amount, message):
    with pytest.raises(ConfigError, match=message):
        Frequency.parse(frequency).periods(amount, "risk.lead_times")


def test_unit_names_and_keys():
    assert Frequency.parse("1d").name == "days" and Frequency.parse("1shift").name == "shifts"
    assert Frequency.parse("8h").name == "periods of 8h"
    assert (lead_key(3), lead_key("6h")) == ("lead_3", "lead_6h")


def test_time_column_sorted_duplicates_refused_gaps_counted():
    hours = [0, 1, 2, 3, 7, 8, 9, 12]  # steps 1,1,1,4,1,1,3: two gaps, the largest 4 periods
    frame = pl.DataFrame({"ts": [T0 + dt.timedelta(hours=h) for h in hours], "x": [float(h) for h in hours]})
    shuffled = frame[[5, 0, 7, 1, 2, 6, 3, 4]]
    ordered, frequency, report = order_by_time(shuffled, "ts", None, 8.0, "f.csv")
    assert ordered["x"].to_list() == [float(h) for h in hours]
    assert frequency == Frequency(1, "h")
    assert (report.gaps, report.irregular, report.largest_step, report.reordered) == (2, 0, 4.0, 8)
    with pytest.raises(DataError, match=r"repeats 2024-01-01 01:00:00 .2 rows share a time.*or risk.time.repeated=mean\)"):
        order_by_time(pl.concat([frame, frame[1:2]]), "ts", None, 8.0, "f.csv")



def test_rows_sharing_a_time_merged_by_mean():
    # a historian's rows under hourly stamps, shuffled: floats averaged over the values given,
    # the integer label and the text site kept (one value per time), 3 of 6 rows folded
    frame = pl.DataFrame({
        "ts": [T0 + dt.timedelta(hours=h) for h in (1, 0, 1, 0, 2, 1)],
        "x": [3.0, 1.0, 5.0, 2.0, 7.0, None],
        "y": [10.0, 4.0, 20.0, 6.0, 1.0, 60.0],
        "level": [2, 0, 2, 0, 1, 2],
        "site": ["a", "a", None, "a", "b", "a"],
    })
    ordered, frequency, report = order_by_time(frame, "ts", None, 8.0, "f.csv", repeated="mean")
    assert ordered.to_dict(as_series=False) == {
        "ts": [T0, T0 + dt.timedelta(hours=1), T0 + dt.timedelta(hours=2)],
        "x": [1.5, 4.0, 7.0], "y": [5.0, 30.0, 1.0], "level": [0, 2, 1], "site": ["a", "a", "b"],
    }
    assert frequency == Frequency(1, "h") and (report.merged, report.gaps) == (3, 0)
    assert report.as_metrics()["merged_rows"] == 3


def test_rows_sharing_a_time_with_different_labels_are_refused():
    frame = pl.DataFrame({"ts": [T0, T0, T0 + dt.timedelta(hours=1)], "x": [1.0, 2.0, 3.0], "level": [0, 1, 1]})
    with pytest.raises(DataError, match=r"f.csv: column 'level' holds 0 and 1 at 2024-01-01 00:00:00 \(1 times with "
                                        r"different values\); expected one value per time in a column that is not a float"):
        order_by_time(frame, "ts", None, 8.0, "f.csv", repeated="mean")

def test_text_dates_and_shift_numbers():
    frame = pl.DataFrame({"day": ["2024-01-03", "2024-01-01", "2024-01-02"], "v": [3.0, 1.0, 2.0]})
    ordered, frequency, report = order_by_time(frame, "day", None, 8.0, "f.csv")
    assert ordered["v"].to_list() == [1.0, 2.0, 3.0] and frequency == Frequency(1, "d") and report.gaps == 0
    shifts = pl.DataFrame({"shift_no": [10, 11, 13, 14], "v": [1.0, 2.0, 3.0, 4.0]})
    _, frequency, report = order_by_time(shifts, "shift_no", Frequency.parse("1shift"), 8.0, "f.csv")
    assert (report.gaps, report.largest_step) == (1, 2.0)
    assert infer_frequency(pl.Series("n", [1, 3, 5, 9]), 8.0) == Frequency(2, "step")


def test_a_shuffled_file_gives_the_ordered_files_figures(tmp_path):
    rng = np.random.default_rng(0)
    n = 200
    x = np.sin(np.arange(n) / 5) + 0.1 * rng.normal(size=n)
    frame = pl.DataFrame({"ts": [T0 + dt.timedelta(hours=i) for i in range(n)], "x": x, "risk": (x > 0.3).astype(int) + (x > 0.8)})
    frame.write_csv(tmp_path / "ordered.csv")
    frame.sample(fraction=1.0, shuffle=True, seed=2).write_csv(tmp_path / "shuffled.csv")
    results = []
    for name in ("ordered.csv", "shuffled.csv"):
        source = inputs.table_source(str(tmp_path / name), [], [], time="ts")
        table, layout = inputs.daily_frame(source, 4, 3, [], [], reserved=["risk"])
        table = inputs.with_column_labels(table, layout, "risk")
        results.append(run_lead(table, layout, source.frequency.periods("2h", "lead"), lr, 0.15, 0.2, None))
    assert results[0].predictions.equals(results[1].predictions)
    assert results[0].predictions.columns[0] == "ts"  # the real time, not row numbers
    assert results[0].predictions["ts"].min() > T0 + dt.timedelta(hours=150)


# ------------------------------------------------------------------------------------- labels


def test_fixed_cuts_and_training_quantiles():
    cut = LevelCut(3, cuts=[1.0, 2.0]).fit(np.array([100.0]))
    np.testing.assert_array_equal(cut.transform([0.5, 1.0, 1.5, 2.0, 9.0]), [0, 1, 1, 2, 2])
    q = LevelCut(4).fit(np.arange(1.0, 101.0))  # numpy linear quantiles of 1..100 at 1/4, 2/4, 3/4
    np.testing.assert_allclose(q.cuts_, [25.75, 50.5, 75.25])
    with pytest.raises(DataError, match="equal values"):
        LevelCut(3).fit(np.array([1.0, 1.0, 1.0, 1.0, 2.0]))
    with pytest.raises(ConfigError, match="expected 2 strictly increasing"):
        check_cuts([2.0, 1.0], [], 3)


def test_quantile_cuts_see_the_training_part_only():
    n = 100
    value = np.arange(n, dtype=float)  # a rising target: the later parts lie above every training value
    frame = pl.DataFrame({"step": np.arange(n), "x": np.random.default_rng(1).normal(size=n), inputs.LABEL: value})
    layout = Layout(["x"], [], 1, 2, inputs.LABEL, None, "step", label_cut=LevelCut(2))
    data = build_dataset(frame, layout, 0)
    train = np.arange(60)
    fitted = fit_on_training(data, layout, train)
    assert layout.label_cut.cuts_.tolist() == [29.5]  # median of 0..59, not of 0..99
    assert fitted.samples.y[60:].tolist() == [1] * 40
    # the test part changing does not move the cuts
    frame2 = frame.with_columns(pl.when(pl.col("step") >= 60).then(1e6).otherwise(pl.col(inputs.LABEL)).alias(inputs.LABEL))
    fit_on_training(build_dataset(frame2, layout, 0), layout, train)
    assert layout.label_cut.cuts_.tolist() == [29.5]


# ------------------------------------------------------------------------------------- leakage


def test_label_sources_are_not_features_and_a_copy_of_the_label_is_flagged(tmp_path):
    rng = np.random.default_rng(4)
    n = 300
    grade = rng.normal(size=n)
    frame = pl.DataFrame({"grade": grade, "grade_copy": grade * 2 + 1, "noise": rng.normal(size=n), "other": rng.normal(size=n)})
    frame.write_csv(tmp_path / "t.csv")
    source = inputs.table_source(str(tmp_path / "t.csv"), [], [])
    table, layout, _ = inputs.prepared_frame(source, 1, 2, [], [], reserved=["grade"])
    assert layout.dynamic == ["grade_copy", "noise", "other"]  # the label column never a feature
    table, layout = inputs.with_continuous_labels(table, layout, "grade", LevelCut(2, cuts=[0.0]))
    data = build_dataset(table, layout, 0)
    train, val = np.arange(200), np.arange(200, 300)
    scores = single_feature_scores(fit_on_training(data, layout, train), layout, train, val)
    assert scores["grade_copy"] == 1.0 and scores["noise"] < 0.7
    assert list(leaking(scores, 0.98)) == ["grade_copy"]
    _, layout, _ = inputs.prepared_frame(source, 1, 2, [], [], reserved=["grade", "grade_copy"])
    assert layout.dynamic == ["noise", "other"]  # declared as a label source: excluded


# ------------------------------------------------------------------------------------- missing values


def test_policies_fill_within_limits_and_count():
    frame = pl.DataFrame({"a": [None, 1.0, None, None, 4.0, None, None, None], "b": [1.0, 2, 3, None, 5, 6, 7, 8]})
    cases = {  # (policy of a, limit) -> (a after, filled a, filled b, rows dropped), by hand
        ("ffill", None): ([1, 1, 1, 4, 4, 4, 4], 5, 1, 1),
        ("ffill", 1): ([1, 1, 4, 4], 2, 0, 4),
        ("interpolate", 2): ([1, 2, 3, 4], 2, 1, 4),
        ("interpolate", 1): ([1, 4], 0, 0, 6),
        ("drop", None): ([1, 4], 0, 0, 6),
    }
    for (policy, limit), (a, filled_a, filled_b, dropped) in cases.items():
        out, report, medians = apply_missing(frame, {"a": policy, "b": "ffill"}, limit, None)
        assert out["a"].to_list() == a and medians == [], (policy, limit)
        assert (report.filled, report.dropped_rows) == ({"a": filled_a, "b": filled_b}, dropped), (policy, limit)
    out, report, medians = apply_missing(frame, {"a": "median", "b": "ffill"}, None, None)
    assert medians == ["a"] and report.filled["a"] == 6 and out["a"].null_count() == 6
    with pytest.raises(ConfigError, match="'mean'; expected one of ffill"):
        policies_for(["a"], "mean", {})


def test_median_from_the_training_rows_only():
    X = np.array([[1.0], [np.nan], [3.0], [100.0], [np.nan]])
    np.testing.assert_array_equal(fill_medians(X, np.arange(3))[:, 0], [1, 2, 3, 100, 2])  # median of 1, 3


# ------------------------------------------------------------------------------------- case tables


def case_table(n=100, positives=20, seed=0):
    rng = np.random.default_rng(seed)
    y = np.r_[np.ones(positives), np.zeros(n - positives)].astype(int)
    return pl.DataFrame({"step": np.arange(n), "signal": y + 0.05 * rng.normal(size=n), "noise": rng.normal(size=n),
                         inputs.LABEL: y})


def test_cv_mean_sd_over_folds_and_baselines():
    layout = Layout(["signal", "noise"], [], 1, 2, inputs.LABEL, None, "step")
    result = cross_validate(case_table(), layout, lr, 5, 2, 0.25, None, "f1_macro", seed=0)
    m = result.metrics
    assert m["cv"] == {"folds": 5, "repeats": 2, "rows": 100} and len(result.folds) == 10
    assert m["test"]["f1_macro"] == 1.0 and m["test_sd"]["f1_macro"] == 0.0  # a separable signal
    # majority: every fold holds 16 negatives and 4 positives -> F1 low = 2*16/(16+20), F1 high = 0
    assert m["baseline"]["majority"]["f1_macro"] == pytest.approx(32 / 36 / 2)
    assert m["baseline_sd"]["majority"]["f1_macro"] == pytest.approx(0.0)
    assert 0.2 < m["baseline"]["stratified"]["f1_macro"] < 0.75
    assert result.predictions.height == 200 and "persistence" not in result.predictions.columns
    assert cv_verdicts(m, None) == []
    # a separable signal scores as a copy of the label would: said, since the leakage check scores one feature at a time
    [line] = cv_verdicts(m, 0.98)
    assert "balanced accuracy 1.000 on the folds' test parts (mean) (>= risk.leakage.limit 0.98): is the label in the " \
           "features, several of them together?" in line


def test_cv_refuses_too_rare_a_level_and_a_window():
    layout = Layout(["signal"], [], 1, 2, inputs.LABEL, None, "step")
    with pytest.raises(DataError, match="level 'high' has 3 rows"):
        cross_validate(case_table(positives=3), layout, lr, 5, 1, 0.25, None, "f1_macro", seed=0)
    with pytest.raises(ConfigError, match="no time order"):
        cross_validate(case_table(), Layout(["signal"], [], 3, 2, inputs.LABEL, None, "step"), lr, 5, 1, 0.25, None,
                       "f1_macro", seed=0)


def test_summary_says_when_persistence_is_not_beaten():
    metrics = {"lead_0": {"f1_macro": 0.5, "persistence_f1_macro": 0.6, "majority_f1_macro": 0.3, "recall_macro": 0.55},
               "lead_6h": {"f1_macro": 0.7, "persistence_f1_macro": 0.6, "majority_f1_macro": 0.3, "recall_macro": 0.98}}
    lines = verdicts(metrics, ["lead_0", "lead_6h"], None)
    assert len(lines) == 1 and "0: the model does not beat persistence (macro F1 0.500 vs 0.600)" in lines[0]
    lines = verdicts(metrics, ["lead_0", "lead_6h"], 0.98)  # at the limit: said
    assert len(lines) == 2 and lines[1].startswith("[yellow]6h: balanced accuracy 0.980 on the test part (>= risk.leakage.limit")
    assert len(verdicts(metrics, ["lead_0", "lead_6h"], 0.99)) == 1
