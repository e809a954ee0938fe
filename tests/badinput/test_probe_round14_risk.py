"""Bad-input corpus, round 14: `minectl risk` and `minectl risk predict`.

Before: `risk predict` of a table whose feature was in other units (energy in kJ for a model trained in J, x1/1000,
or the other way round) scored silently: nothing of the training values was saved with the model; a saved spec of
an earlier minectl has none, and scores with a line saying so. risk.input.path given without risk.input.kind=table
trained on the synthetic mine's accounts with exit 0 (the file never read); risk.labels.medium_score >= high_score
of rule labels made no day medium, unsaid; settings read only with another (risk.thresholds.values without
risk/thresholds=fixed, risk.thresholds.objective with it, risk.cv.folds of a chronological run, data.* of a table run) changed nothing, exit 0, unsaid.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import QUICK_RISK, assert_refused, invoke

KEYS = [*QUICK_RISK, "report=false", "risk.input.kind=table", "risk.labels.column=class", "risk.labels.levels=2", "risk.window=3",
        "risk.primary_lead=0", "risk.leakage.enabled=false", "risk.time.column=ts"]
N = 240


def _shifts() -> pl.DataFrame:
    """Hourly rows of a seismic-bumps-like mine: energy in J (0 in 40 % of shifts, else 50 J .. 400 kJ in steps of 10 J,
    the UCI data's range), a signed deviation x, and a class that leans on both."""
    rng = np.random.default_rng(3)
    level = (rng.random(N) < 0.3).astype(int)
    energy = np.where(rng.random(N) < 0.4, 0.0, np.clip(np.round(np.exp(rng.normal(7.5 + level, 1.5, N)), -1), 50, 400_000))
    hours = pl.datetime_range(pl.datetime(2024, 1, 1), pl.datetime(2024, 1, 1) + pl.duration(hours=N - 1), "1h", eager=True)
    return pl.DataFrame({"ts": hours.dt.strftime("%Y-%m-%d %H:%M"), "energy": energy,
                         "x": np.round(level * 2 + rng.normal(size=N), 4), "class": level})


SHIFTS = _shifts()


def _sizes(values: np.ndarray) -> np.ndarray:
    values = np.abs(values)
    return values[values > 0]


# given on the command line: fixed thresholds (read), and three settings this run does not read
SETTINGS = ["risk/thresholds=fixed", "risk.thresholds.values=[0.3]", "risk.thresholds.objective=balanced_accuracy",
            "risk.cv.folds=3", "data.synthetic.seed=4"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, Path, str]:
    """The shifts as csv, the folder of their run (window 3, logistic regression) and what it printed."""
    root = tmp_path_factory.mktemp("trained")
    SHIFTS.write_csv(root / "shifts.csv")
    result = invoke("risk", *KEYS, f"risk.input.path={root / 'shifts.csv'}", *SETTINGS, f"hydra.run.dir={root / 'run'}")
    assert result.exit_code == 0, result.output
    return root / "shifts.csv", root / "run", " ".join(result.output.split())


def _predict(run: Path, path: Path, out: Path, *extra: str) -> tuple[pl.DataFrame, str]:
    result = invoke("risk", "predict", run, f"risk.input.path={path}", f"out={out}", *extra)
    assert result.exit_code == 0, result.output
    return pl.read_parquet(out), " ".join(result.output.split())


# ------------------------------------------------------------ predict: values in other units

def test_the_saved_model_keeps_each_feature_s_training_sizes(trained):
    _, run, _ = trained
    spec = json.loads((run / "risk_model.json").read_text())
    train = json.loads((run / "metrics.json").read_text())["samples.train"]
    rows = SHIFTS.head(train + 2)  # training sample i reads rows i..i+2 (window 3, lead 0)
    for column in ("energy", "x"):
        sizes = _sizes(rows[column].to_numpy())
        assert spec["value_ranges"][column] == [sizes.min(), sizes.max()]


@pytest.mark.parametrize(("factor", "said"), [(1e-3, "1/{ratio:.3g} of the smallest"), (1e3, "{ratio:.3g}x the largest")],
                         ids=["kJ-for-J", "J-for-kJ"])
def test_a_feature_in_other_units_is_refused(trained, tmp_path, factor, said):
    path, run, _ = trained
    other = tmp_path / "other.csv"
    SHIFTS.tail(60).with_columns(pl.col("energy") * factor).write_csv(other)
    smallest, largest = json.loads((run / "risk_model.json").read_text())["value_ranges"]["energy"]
    typical = float(np.median(_sizes(SHIFTS.tail(60)["energy"].to_numpy() * factor)))
    ratio = smallest / typical if factor < 1 else typical / largest
    assert ratio > 10
    # before: exit 0, 58 rows scored as if 1.6 kJ were 1.6 J
    assert_refused(["risk", "predict", run, f"risk.input.path={other}", f"out={tmp_path / 'p.parquet'}"],
                   f"risk predict: column 'energy' of the new data: the median size of its nonzero values, {typical:.4g}, is "
                   f"{said.format(ratio=ratio)} in training (nonzero sizes {smallest:.4g} to {largest:.4g}); values in other units "
                   "(kJ for J, t for kg), or data far unlike the training data? expected the units the model was trained on, or "
                   "check_units=false to score them anyway", inputs=[other, run])
    assert not (tmp_path / "p.parquet").exists()
    scores, _ = _predict(run, other, tmp_path / "anyway.parquet", "check_units=false")  # the switch scores them
    assert scores.height == 58


def test_values_within_the_training_sizes_score_as_before(trained, tmp_path):
    path, run, _ = trained
    every, said = _predict(run, path, tmp_path / "all.parquet")
    assert every.height == N - 2 and "units" not in said
    tail = tmp_path / "tail.csv"
    SHIFTS.tail(5).write_csv(tail)  # a few new shifts: their median need not be the training one
    scores, _ = _predict(run, tail, tmp_path / "tail.parquet")
    assert np.allclose(scores["p_high"].to_numpy(), every["p_high"].to_numpy()[-3:], atol=1e-12)
    # near misses: 3x (inside the factor of 10), a single nonzero energy 10,000x (one large bump is no unit)
    near = tmp_path / "near.csv"
    SHIFTS.with_columns(pl.col("energy") * 3).write_csv(near)
    assert _predict(run, near, tmp_path / "near.parquet")[0].height == N - 2
    SHIFTS.head(6).with_columns(pl.Series("energy", [0.0, 0.0, 4e9, 0.0, 0.0, 0.0])).write_csv(near)
    assert _predict(run, near, tmp_path / "one.parquet")[0].height == 4


def test_a_spec_of_an_earlier_minectl_scores_with_a_note(trained, tmp_path):
    path, run, _ = trained
    old = tmp_path / "old"
    shutil.copytree(run, old)
    spec = json.loads((old / "risk_model.json").read_text())
    spec.pop("value_ranges")
    (old / "risk_model.json").write_text(json.dumps(spec))
    kj = tmp_path / "kj.csv"
    SHIFTS.with_columns(pl.col("energy") / 1000).write_csv(kj)
    scores, said = _predict(old, kj, tmp_path / "p.parquet")
    assert scores.height == N - 2
    assert "units: risk_model.json of" in said and "keeps no training value ranges (saved by an earlier minectl); the new " \
        "data's units were not checked against the training data's" in said


@pytest.mark.parametrize(("ranges", "why"), [
    ({"energy": [5.0, 1.0], "x": None}, "smallest > largest"),
    ({"energy": [0.0, 4e5]}, "a feature left out, a smallest size of 0"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_tampered_training_sizes_are_refused(trained, tmp_path, ranges, why):
    path, run, _ = trained
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    spec = json.loads((copy / "risk_model.json").read_text()) | {"value_ranges": ranges}
    (copy / "risk_model.json").write_text(json.dumps(spec))
    assert_refused(["risk", "predict", copy, f"risk.input.path={path}", f"out={tmp_path / 'p.parquet'}"],
                   "expected 'value_ranges' as an object of each dynamic column -> null or [smallest nonzero size, largest "
                   "size], 0 < smallest <= largest", inputs=[copy])


def test_gaps_in_the_new_rows_are_said(trained, tmp_path):
    path, run, _ = trained
    gapped = tmp_path / "gapped.csv"
    SHIFTS.filter(~pl.int_range(N).is_in([100, 150, 151])).write_csv(gapped)  # 1 h and 2 h missing
    scores, said = _predict(run, gapped, tmp_path / "p.parquet")
    # before: 235 rows scored, nothing said; the windows across the gaps span 4 and 5 hours
    assert scores.height == N - 3 - 2
    assert "time: the new data have 2 gaps (largest step 3 hours) and 0 steps shorter than one period; windows count rows, " \
        "so a window across them spans another time than the model's" in said
    SHIFTS.filter(pl.int_range(N) != 100).write_csv(gapped)
    assert "time: the new data have 1 gap (largest step 2 hours) and 0 steps shorter" in _predict(run, gapped, tmp_path / "q.parquet")[1]
    assert "time:" not in _predict(run, path, tmp_path / "r.parquet")[1]  # near miss: rows at every hour


def test_check_units_takes_a_boolean(trained, tmp_path):
    path, run, _ = trained
    assert_refused(["risk", "predict", run, f"risk.input.path={path}", "check_units=maybe", f"out={tmp_path / 'p.parquet'}"],
                   "risk predict: check_units='maybe'; expected true or false")


# ------------------------------------------------------------ settings that the run would not read

def test_a_table_path_without_kind_table_is_refused(trained, tmp_path):
    path, _, _ = trained
    # before: exit 0, trained on the synthetic mine's accounts; the file never read
    assert_refused(["risk", *QUICK_RISK, "report=false", f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"risk.input.path={path}: read only with risk.input.kind=table, and this run scores the mine's daily accounts "
                   "(risk.input.kind=mine); expected risk.input.kind=table to read a table file", inputs=[path],
                   run_dir=tmp_path / "run")


def test_rule_scores_that_leave_no_day_medium_are_refused(tmp_path):
    medium, high = 3, 3  # the boundary: 4 and 3 are refused alike
    # before: exit 0; a day reaching medium_score is high, no day medium
    assert_refused(["risk", *QUICK_RISK, "risk/labels=rules", f"risk.labels.medium_score={medium}",
                    f"risk.labels.high_score={high}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"risk.labels.medium_score={medium} is not below risk.labels.high_score={high}: no day would be medium; "
                   "expected medium_score < high_score", run_dir=tmp_path / "run")


def test_a_setting_read_only_with_another_is_said(trained):
    _, run, said = trained
    # before: exit 0, nothing said; each changed nothing
    assert "warning: risk.thresholds.objective=balanced_accuracy is read only with risk.thresholds.mode=optimise: not used " \
           "by this run" in said
    assert "warning: risk.cv.folds=3 is read only with risk.split=cv: not used by this run" in said
    assert "warning: data.synthetic.seed=4 is read only with risk.input.kind=mine (the mine's accounts): not used by this " \
           "run, which reads risk.input.path" in said
    # near miss: the fixed thresholds are read, not warned of, and the threshold is the one given
    assert len(re.findall(r"warning: \S+=", said)) == 3 and "risk.thresholds.values" not in said
    assert json.loads((run / "risk_model.json").read_text())["thresholds"] == [0.3]


def test_a_setting_not_read_leaves_a_later_refusal_one_line(tmp_path):
    path = tmp_path / "one_two.csv"
    SHIFTS.with_columns(pl.col("class") + 1).write_csv(path)  # classes 1/2: refused once the file is read
    assert_refused(["risk", *KEYS, f"risk.input.path={path}", "risk.cv.folds=3", f"hydra.run.dir={tmp_path / 'run'}"],
                   "risk labels: column 'class' must hold integers 0..1 (found '1', '2')", inputs=[path], run_dir=tmp_path / "run")


def test_predict_help_names_check_units():
    result = invoke("risk", "predict", "--help")
    assert result.exit_code == 0
    assert "check_units=false" in result.output and "out=FILE" in result.output
