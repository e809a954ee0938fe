"""Bad-input corpus, round 19: `minectl risk` on a user's table of several machines, and `risk predict`.

Before: `risk.split=cv` (a case table: independent rows in no time order) took `risk.missing.default=ffill` or a
column's `interpolate` and filled an empty cell with the previous case's value, or a line through the neighbouring cases
(rows of the test folds among them), exit 0, unsaid. Now refused in one line naming the key; median and drop run.
`risk predict` dropped new rows its risk.missing policy could not fill (a series' first rows before a column's first
value) and said only the count of rows scored; now a line names how many rows were dropped and the columns that left
them empty, as the run's own line does. Column names in brackets (`flow [m3/h]`) lost the bracket as console markup in
the run's missing-value line and in predict's lines ("missing values filled: flow  2"); now printed as written.
A median column without a value in a training part (a sensor fitted late) was refused as "a feature with missing values
(policy median) has no value in the training part", naming neither it nor a fix; now named, with its count of values.
A lead of `1d` on an integer time column of epoch seconds was refused as "cannot be converted to periods of 86400step";
now the line says the integers count steps and offers dates or timestamps. A `risk.input.static` column that changes
within a series was read at t only, unsaid; now a warning. A column in both risk.input.static and risk.input.categorical
was refused as "not found" in the file that held it; now its one-hot columns are the static features.
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from harness import QUICK_RISK, assert_refused, invoke

FLOW = "flow [m3/h]"


def _cases(tmp_path):
    """A case table of 120 rows: a two-level class that a leans on, a with every seventh cell empty."""
    rng = np.random.default_rng(19)
    a = rng.normal(size=120)
    path = tmp_path / "cases.csv"
    pl.DataFrame({"a": np.round(a, 3), "b": np.round(rng.normal(size=120), 3),
                  "y": np.where(a + rng.normal(0, 0.5, 120) > 0.3, "high", "low")}).with_columns(
        a=pl.when(pl.int_range(pl.len()) % 7 == 3).then(None).otherwise(pl.col("a"))).write_csv(path)
    return path


CV = [*QUICK_RISK, "report=false", "risk.input.kind=table", "risk.split=cv", "risk.window=1", "risk.save_model=false",
      "risk.labels.column=y", "risk.labels.levels=2", "risk.labels.names=[low,high]", "risk.cv.folds=3", "risk.cv.repeats=1"]


@pytest.mark.parametrize(("setting", "said"), [
    ("risk.missing.default=ffill", "risk.missing.default=ffill fills along time"),
    ("risk.missing.default=interpolate", "risk.missing.default=interpolate fills along time"),
    ("+risk.missing.columns.a=interpolate", "risk.missing.columns.a=interpolate fills along time"),
])
def test_a_case_table_refuses_filling_along_time(tmp_path, setting, said):
    path = _cases(tmp_path)
    line = assert_refused(["risk", *CV, f"risk.input.path={path}", setting, f"hydra.run.dir={tmp_path / 'run'}"],
                          [said, "risk.split=cv", "expected median or drop"], inputs=[path], run_dir=tmp_path / "run")
    assert "Traceback" not in line


@pytest.mark.parametrize(("setting", "filled", "dropped"), [
    (None, 17, 0),  # the default for a case table: the training folds' medians
    ("+risk.missing.columns.a=drop", 0, 17),
])
def test_a_case_table_fills_by_median_or_drops(tmp_path, setting, filled, dropped):
    path, run = _cases(tmp_path), tmp_path / "run"
    result = invoke("risk", *CV, f"risk.input.path={path}", *([setting] if setting else []), f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["missing.filled_total"] == filled and metrics["missing.dropped_rows"] == dropped


def _machines(tmp_path, name="machines.csv", empty_rows=()):
    """Two machines of unequal lengths and start dates (80 and 60 days), a label that `FLOW` leans on; ``empty_rows``:
    rows whose `FLOW` cell is empty."""
    rng = np.random.default_rng(7)
    parts = []
    for machine, start, n in (("M1", pl.date(2024, 1, 1), 80), ("M2", pl.date(2024, 2, 10), 60)):
        level = rng.integers(0, 2, n)
        parts.append(pl.DataFrame({"machine": machine, "date": pl.date_range(start, start.dt.offset_by(f"{n - 1}d"), "1d",
                                                                             eager=True),
                                   FLOW: np.round(level + rng.normal(0, 0.6, n), 3), "temp": np.round(rng.normal(size=n), 3),
                                   "class": level}))
    frame = pl.concat(parts)
    frame = frame.with_columns(pl.when(pl.int_range(pl.len()).is_in(list(empty_rows))).then(None).otherwise(pl.col(FLOW))
                               .alias(FLOW))
    path = tmp_path / name
    frame.write_csv(path)
    return path


SERIES = [*QUICK_RISK, "report=false", "risk.input.kind=table", "risk.input.series=machine", "risk.time.column=date",
          "risk.labels.column=class", "risk.labels.levels=2", "risk.window=3", "risk.leakage.enabled=false"]


def test_the_run_names_a_bracketed_column_it_filled_and_the_rows_it_dropped(tmp_path):
    # rows 0-1: M1's first days, before flow's first value (dropped); 40: a gap carried forward (filled)
    path = _machines(tmp_path, empty_rows=(0, 1, 40))
    result = invoke("risk", *SERIES, f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert f"missing values filled: {FLOW} 1; rows dropped: 2 (empty in {FLOW} 2) (risk.missing)" in output


def test_predict_says_the_rows_it_dropped(tmp_path):
    path, run = _machines(tmp_path), tmp_path / "run"
    assert invoke("risk", *SERIES, f"risk.input.path={path}", f"hydra.run.dir={run}").exit_code == 0
    gapped = _machines(tmp_path, "gapped.csv", empty_rows=(0, 1, 80, 100))  # M1's, M2's first rows; M2's row 20
    for rows, scored, said in (
        (gapped, 133, [f"missing: {FLOW} 1 empty values of the new data filled",
                       f"missing: 3 rows of the new data dropped (empty in {FLOW} 3): values the run's risk.missing policy "
                       "does not fill (before a column's first value, beyond risk.missing.limit); they get no score"]),
        (path, 136, []),  # every row complete: 140 - 2 x 2 without a full window, nothing said
    ):
        result = invoke("risk", "predict", run, f"risk.input.path={rows}", f"out={tmp_path / 'scores.csv'}")
        assert result.exit_code == 0, result.output
        output = " ".join(result.output.split())
        assert f"{scored} rows scored" in output
        for line in said:
            assert line in output, output
        assert ("missing:" in output) == bool(said)


@pytest.mark.parametrize("split", ["cv", "chronological"])
def test_a_median_column_without_a_training_value_is_named(tmp_path, split):
    """A sensor fitted late: its column holds values in the last rows only, none in a training part to take a median of."""
    frame = pl.read_csv(_cases(tmp_path))
    late = frame.with_columns(sensor=pl.when(pl.int_range(pl.len()) >= 118).then(pl.lit(1.5)).otherwise(None))
    path = tmp_path / "late.csv"
    late.write_csv(path)
    keys = CV if split == "cv" else [*CV, "risk.split=chronological", "risk.missing.default=median"]
    line = assert_refused(["risk", *keys, f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                          ["column 'sensor' (risk.missing: median) has no value among the", "training rows",
                           "(2 values in all); expected values in every training part"], inputs=[path], run_dir=tmp_path / "run")
    assert "a feature" not in line


def test_an_amount_of_time_on_epoch_seconds_says_they_count_steps(tmp_path):
    """An integer time column of epoch seconds a day apart reads as step numbers ('86400step'): a lead of 1d was refused
    as 'cannot be converted to periods of 86400step', naming neither the column's integers nor what to give."""
    frame = pl.read_csv(_machines(tmp_path))
    path = tmp_path / "epoch.csv"
    frame.with_columns(pl.col("date").str.to_date().cast(pl.Datetime("ms")).dt.epoch("s")).write_csv(path)
    keys = [*SERIES, f"risk.input.path={path}"]
    assert_refused(["risk", *keys, "risk.lead_times=[0,1d]", f"hydra.run.dir={tmp_path / 'run'}"],
                   ["risk.lead_times: '1d' cannot be converted to periods of 86400step (an integer time column counts steps, "
                    "not time: epoch seconds? write it as dates or timestamps"], inputs=[path], run_dir=tmp_path / "run")
    result = invoke("risk", *keys, "risk.lead_times=[0,1]", f"hydra.run.dir={tmp_path / 'ok'}")  # leads in periods run
    assert result.exit_code == 0, result.output


def test_a_static_column_that_changes_within_a_series_is_said(tmp_path):
    """risk.input.static is read at t only: a column that changes within a machine lost its window, unsaid."""
    path = _machines(tmp_path)
    frame = pl.read_csv(path).with_columns(grade=pl.when(pl.col("machine") == "M1").then(1.0).otherwise(2.0))
    changing = tmp_path / "changing.csv"
    frame.with_columns(grade=pl.col("grade") + (pl.int_range(pl.len()) == 30)).write_csv(changing)
    frame.write_csv(path)  # one grade per machine: nothing said (near miss)
    for rows, said in ((changing, True), (path, False)):
        result = invoke("risk", *SERIES, f"risk.input.path={rows}", "risk.input.static=[grade]",
                        f"hydra.run.dir={tmp_path / rows.stem}")
        assert result.exit_code == 0, result.output
        line = ("warning: risk.input.static: column 'grade' takes 2 values within a machine; a static feature is read at t only, "
                "not over the window: expected one value per series, or the column among the dynamic indicators")
        assert (line in " ".join(result.output.split())) == said, result.output


def test_a_categorical_static_column_is_its_one_hot_columns(tmp_path):
    """A machine's make in risk.input.categorical and risk.input.static: refused as 'column 'make' not found' in the file
    that holds it (its one-hot columns had replaced it); now those columns are the static features, and predict scores
    new rows that hold one make only."""
    frame = pl.read_csv(_machines(tmp_path)).with_columns(make=pl.col("machine").replace_strict({"M1": "cat", "M2": "komatsu"}))
    path, one_make, run = tmp_path / "makes.csv", tmp_path / "one_make.csv", tmp_path / "run"
    frame.write_csv(path)
    frame.filter(pl.col("make") == "cat").write_csv(one_make)
    keys = [*SERIES, "risk.input.categorical=[make]"]
    result = invoke("risk", *keys, f"risk.input.path={path}", "risk.input.static=[make]", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    spec = json.loads((run / "risk_model.json").read_text())
    assert spec["static"] == ["make=cat", "make=komatsu"] and spec["dynamic"] == [FLOW, "temp"]
    result = invoke("risk", "predict", run, f"risk.input.path={one_make}", f"out={tmp_path / 'scores.csv'}")
    assert result.exit_code == 0, result.output
    assert "78 rows scored" in " ".join(result.output.split())  # M1's 80 days, less 2 without a full window
    assert_refused(["risk", *keys, f"risk.input.path={path}", "risk.input.static=[makes]", f"hydra.run.dir={tmp_path / 'bad'}"],
                   "risk.input.static: column 'makes' not found", inputs=[path], run_dir=tmp_path / "bad")
