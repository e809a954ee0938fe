"""Bad-input corpus, round 16: `minectl risk`'s model settings.

Before: model settings each valid alone but refused together by the estimator when it fits (LogisticRegression's
`penalty=l1` beside its default solver lbfgs, `dual=true`, the liblinear solver on three levels; a random forest's
`oob_score=true` with `bootstrap=false`) passed the checks of each value and ended, after the data work, in
scikit-learn's ValueError and a traceback. Now one line naming model.params, the estimator and its own reason; a
ValueError that the data cause (the same settings fit a few clean rows) is left as it was.
A logistic regression whose solver used all of `model.params.max_iter` (an unfinished fit) scored with exit 0, unsaid:
scikit-learn's ConvergenceWarning is hidden by the CLI; now a warning line names the leads and the setting.
Mines on shifted time grids (one's rows at 00:00, another's at 12:00) split with a gap of half the lead: the gap was
counted in distinct times (here every sample's time is distinct, so in samples), and training targets fell inside the
validation days. Now the gap reaches past each training sample's own target time; on one grid the parts are as before.
An integer time column of epoch nanoseconds (a day apart) ended in numpy's "Unable to allocate 629. TiB" and a traceback
(its most common step was counted over every integer up to it); now it runs as epoch seconds do.
`risk predict` filled the new rows' empty cells by the run's risk.missing policy (ffill: ten empty days scored as the
last measured one) unsaid, where the run says what it filled in its own data; now a line names the columns and counts.
risk.time.repeated=mean averaged a label column written as floats (pandas' 0.0/2.0) like a measurement: rows of level
0 and 2 at one time became a level-1 day, exit 0, unsaid; now the label must agree there, as an integer label must.
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from harness import QUICK_RISK, assert_refused, invoke
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from minectl.errors import ConfigError
from minectl.risk.split import split_by_time
from minectl.risk.timeaxis import Frequency, infer_frequency
from minectl.risk.workflow import fit_model, iterations_used_up

KEYS = [*QUICK_RISK, "report=false", "risk.input.kind=table", "risk.labels.column=class", "risk.leakage.enabled=false",
        "risk.time.column=date", "risk.window=3"]


def _table(tmp_path, levels: int):
    """120 daily rows: a level 0..levels-1 that x leans on, and a noise column y."""
    rng = np.random.default_rng(16)
    level = np.arange(120) % levels
    rng.shuffle(level)
    path = tmp_path / "days.csv"
    pl.DataFrame({"date": pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 4, 29), "1d", eager=True),
                  "x": np.round(level + rng.normal(0, 0.7, 120), 3), "y": np.round(rng.normal(size=120), 3),
                  "class": level}).write_csv(path)
    return path


@pytest.mark.parametrize(("levels", "settings", "said"), [
    (2, ["model.params.penalty=l1"], "(Solver lbfgs supports only 'l2' or None penalties, got l1 penalty.)"),
    (2, ["model=rf", "model.params.n_estimators=5", "model.params.bootstrap=false", "model.params.oob_score=true"],
     "RandomForestClassifier cannot fit with these settings together (Out of bag estimation only available if "
     "bootstrap=True)"),
])
def test_settings_the_estimator_refuses_together_are_one_line(tmp_path, levels, settings, said):
    path = _table(tmp_path, levels)
    line = assert_refused(["risk", *KEYS, f"risk.labels.levels={levels}", f"risk.input.path={path}", *settings,
                           f"hydra.run.dir={tmp_path / 'run'}"], said, inputs=[path], run_dir=tmp_path / "run")
    assert line.startswith("error: model.params: ") and "cannot fit with these settings together" in line


def test_the_same_setting_with_a_solver_that_takes_it_runs(tmp_path):
    path = _table(tmp_path, 2)
    result = invoke("risk", *KEYS, "risk.labels.levels=2", f"risk.input.path={path}", "model.params.penalty=l1",
                    "model.params.solver=liblinear",
                    f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    # 118 windows of 3 days: test round(0.2 * 118) = 24, validation round(0.15 * 118) = 18, training the 76 before
    assert metrics["samples.train"] == 76 and metrics["samples.test"] == 24
    assert metrics["test.auc"] > 0.8  # x carries the level: an L1 fit that learnt it
    assert "max_iter" not in result.output  # converged: no warning


class _FailsOnManyRows(BaseEstimator, ClassifierMixin):
    """Fits a few rows; refuses more than 20 with a ValueError, as data (not settings) can make a fit fail."""

    def fit(self, X, y):
        if len(X) > 20:
            raise ValueError("Input X contains a value the estimator cannot take")
        self.classes_ = np.unique(y)
        return self


def test_a_fit_that_the_data_make_fail_is_not_blamed_on_the_settings():
    X, y = np.zeros((40, 2)), np.arange(40) % 2
    with pytest.raises(ValueError, match="Input X contains"):
        fit_model(_FailsOnManyRows(), X, y, X[:4], y[:4])
    with pytest.raises(ValueError, match="at least 2 classes"):  # one level: no sign of the settings, left as it was
        fit_model(LogisticRegression(), X, np.zeros(40, int), X[:4], y[:4])
    with pytest.raises(ConfigError, match=r"^model\.params: LogisticRegression cannot fit with these settings together"):
        fit_model(LogisticRegression(penalty="l1"), X + np.arange(40)[:, None], y, X[:4], y[:4])


# ------------------------------------------------------------ a solver stopped by max_iter


def test_a_fit_stopped_by_max_iter_is_said(tmp_path):
    path = _table(tmp_path, 3)
    result = invoke("risk", *KEYS, "risk.labels.levels=3", "risk.lead_times=[0,1]", f"risk.input.path={path}",
                    "model.params.max_iter=2", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    assert ("warning: model lr used all of its max_iter=2 iterations without converging at lead_0, lead_1: the scores are "
            "an unfinished fit's; expected a larger model.params.max_iter") in " ".join(result.output.split())


def test_iterations_used_up_reads_the_solver_s_own_count():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] + rng.normal(0, 0.5, 60) > 0).astype(int)
    assert iterations_used_up(LogisticRegression(max_iter=1).fit(X, y)) is True
    converged = LogisticRegression().fit(X, y)
    assert converged.n_iter_[0] < 100 and iterations_used_up(converged) is False
    assert iterations_used_up(RandomForestClassifier(n_estimators=2).fit(X, y)) is False  # no iterations to use up


# ------------------------------------------------------------ series on shifted time grids


def _shifted_mines(tmp_path):
    """Mines A (rows at 00:00) and B (at 12:00), 100 days each from 2024-01-01."""
    rng = np.random.default_rng(5)
    parts = []
    for mine, hour in (("A", 0), ("B", 12)):
        level = (rng.random(100) < 0.4).astype(int)
        level[:2] = [0, 1]
        start = pl.datetime(2024, 1, 1, hour)
        parts.append(pl.DataFrame({"mine": mine, "ts": pl.datetime_range(start, start + pl.duration(days=99), "1d", eager=True),
                                   "x": np.round(level * 1.5 + rng.normal(size=100), 3), "class": level}))
    path = tmp_path / "shifted.csv"
    pl.concat(parts).write_csv(path)
    return path


def test_mines_on_shifted_grids_keep_a_gap_of_the_lead(tmp_path):
    keys = [k for k in KEYS if not k.startswith(("risk.time.column", "risk.lead_times"))]
    result = invoke("risk", *keys, "risk.labels.levels=2", "risk.time.column=ts", "risk.input.series=mine",
                    "risk.lead_times=[3]", "risk.primary_lead=3", f"risk.input.path={_shifted_mines(tmp_path)}",
                    f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    # 95 samples a mine (100 - 2 for the window - 3 for the lead), 190 distinct times, two a day: test the last
    # round(0.2 * 190) = 38 times, validation round(0.15 * 190) = 28 ending 3 days (6 times) before the test part,
    # training ending 3 days before validation: 190 - 38 - 6 - 28 - 6 = 112. Before: 118 (gaps of 3 times, 1.5 days)
    assert (metrics["samples.train"], metrics["samples.val"], metrics["samples.test"]) == (112, 28, 38)


def test_the_gap_reaches_past_every_training_target():
    hours = np.arange(0, 240, 12)  # two series: one at hours 0, 24, ..., the other at 12, 36, ...
    train, val, test = split_by_time(hours, 0.2, 0.2, gap=1, targets=hours + 24)  # lead: one day
    # 20 times: test the last 4 (hours 192..228), validation 4 ending at the last time whose target (+24 h) is before
    # hour 192: 156 (index 13), so indices 10..13; training: targets before hour 120, indices 0..7
    assert (train.tolist(), val.tolist(), test.tolist()) == (list(range(8)), list(range(10, 14)), list(range(16, 20)))
    assert (hours[train] + 24).max() < hours[val].min() and (hours[val] + 24).max() < hours[test].min()
    # on one grid (no targets given: gap counted in times) the parts are chronological_split's of the times
    days = np.repeat(np.arange(20), 2)
    parts = split_by_time(days, 0.2, 0.2, gap=1)
    assert [(p[0], p[-1]) for p in parts] == [(0, 2 * 10 - 1), (2 * 11, 2 * 15 - 1), (2 * 16, 39)]


# ------------------------------------------------------------ integer time columns of epoch (milli/nano)seconds


def test_epoch_nanoseconds_as_the_time_column_run(tmp_path):
    path = _table(tmp_path, 3)
    frame = pl.read_csv(path)
    epoch = frame["date"].str.to_date().cast(pl.Datetime("ns")).cast(pl.Int64)  # 1704067200000000000, a day = 86400e9 later
    frame.with_columns(date=epoch).write_csv(path)
    result = invoke("risk", *KEYS, "risk.labels.levels=3", f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    # 118 windows of 3 rows: test 24, validation 18, training 76; one period is the step of 86400e9, no gap
    assert (metrics["samples.train"], metrics["samples.val"], metrics["samples.test"]) == (76, 18, 24)
    assert metrics["data.period_step"] == 86_400_000_000_000 and metrics["time.gaps"] == 0


def test_the_most_common_integer_step_and_the_smallest_of_equals():
    day_ms = 86_400_000
    assert infer_frequency(pl.Series("t", [0, day_ms, 2 * day_ms, 4 * day_ms, 5 * day_ms]), 8.0) == Frequency(day_ms, "step")
    assert infer_frequency(pl.Series("t", [0, 3, 5, 8, 10]), 8.0) == Frequency(2, "step")  # 3, 2, 3, 2: the smaller


# ------------------------------------------------------------ predict: empty cells of the new rows


def test_predict_says_the_empty_values_it_filled(tmp_path):
    path = _table(tmp_path, 3)
    assert invoke("risk", *KEYS, "risk.labels.levels=3", f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}").exit_code == 0
    gapped = tmp_path / "gapped.csv"
    row = pl.int_range(pl.len())
    pl.read_csv(path).with_columns(x=pl.when((row >= 50) & (row < 60)).then(None).otherwise(pl.col("x")),
                                   y=pl.when(row == 70).then(None).otherwise(pl.col("y"))).write_csv(gapped)
    for rows, said in ((gapped, "missing: x 10, y 1 empty values of the new data filled by the run's risk.missing policy; "
                                "the windows holding them score filled values, not measured ones"), (path, None)):
        result = invoke("risk", "predict", tmp_path / "run", f"risk.input.path={rows}", f"out={tmp_path / 'scores.csv'}")
        assert result.exit_code == 0, result.output
        output = " ".join(result.output.split())
        assert "118 rows scored" in output  # ffill keeps every day: 120 - 2 without a full window
        assert (said in output) if said else ("missing:" not in output)


# ------------------------------------------------------------ rows sharing a time: labels written as floats


def _one_time_twice(tmp_path, label: int, as_float: bool = True):
    """The 3-level table with a second row at its first day (x + 1), of level ``label``; the first day is level 0."""
    frame = pl.read_csv(_table(tmp_path, 3)).with_columns(pl.when(pl.int_range(pl.len()) == 0).then(0).otherwise(pl.col("class"))
                                                          .alias("class"))
    frame = pl.concat([frame, frame.head(1).with_columns(pl.col("x") + 1, pl.lit(label, pl.Int64).alias("class"))])
    path = tmp_path / "twice.csv"
    frame.with_columns(pl.col("class").cast(pl.Float64 if as_float else pl.Int64)).write_csv(path)
    return path


def test_a_float_label_is_not_averaged_over_rows_sharing_a_time(tmp_path):
    path = _one_time_twice(tmp_path, 2, as_float=True)  # 0.0 and 2.0 at 2024-01-01: their mean, 1.0, is a level
    assert_refused(["risk", *KEYS, "risk.labels.levels=3", "risk.time.repeated=mean", f"risk.input.path={path}",
                    f"hydra.run.dir={tmp_path / 'run'}"],
                   ["column 'class' holds 0.0 and 2.0 at 2024-01-01 00:00:00", "expected one value per time"], inputs=[path], run_dir=tmp_path / "run")


def test_rows_that_agree_on_a_float_label_merge(tmp_path):
    path = _one_time_twice(tmp_path, 0, as_float=True)
    result = invoke("risk", *KEYS, "risk.labels.levels=3", "risk.time.repeated=mean", f"risk.input.path={path}",
                    f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["time.merged_rows"] == 1 and metrics["samples.train"] + metrics["samples.val"] + metrics["samples.test"] == 118
