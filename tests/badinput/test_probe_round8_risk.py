"""Bad-input corpus, round 8: `minectl risk` on other people's case tables and time-ordered tables.
Before: on a case table (split=cv) the leakage check validated on a plain random 20 % of the rows,
so on an imbalanced table a copy of the label went unchecked by chance (250 cases with 10 %
positives: 39 seeds in 100 left fewer than 5 positives to validate on, seed 0 among them); a
refusal after that check (a level of one row) came as two lines, its warning then the error; the
largest seed a config takes (4294967295) ended split=cv in a sklearn traceback at its second fold, and
a fold whose validation rows held one level (sklearn's stratified split of few rows) chose its
threshold on them without a word;
a boolean class column with `risk.labels.names=[false,true]` was refused ("holds 'false', which is
not in ['False', 'True']"); hourly epoch seconds and days written as numbers (20240101, ...) were
indicators, handing the models the row order; a missing label column said nothing of the key.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused, invoke

CASE_KEYS = ["risk.input.kind=table", "risk.split=cv", "risk.window=1", "risk.lead_times=[0]", "risk.primary_lead=0",
             "risk.cv.folds=5", "risk.cv.repeats=1", "risk.labels.source=column", "risk.labels.column=hazard",
             "risk.labels.levels=2", "model=lr", "report=false"]
SERIES_KEYS = ["risk.input.kind=table", "risk.window=2", "risk.lead_times=[0]", "risk.primary_lead=0", "risk.labels.source=column",
               "risk.labels.column=hazard", "risk.labels.levels=2", "model=lr", "report=false",
               "risk.robustness.enabled=false", "risk.importance.enabled=false"]


def _cases(n: int = 200, every: int = 4) -> pl.DataFrame:
    """Independent cases: one in ``every`` is hazardous (1); x leans to the level, y is noise."""
    rng = np.random.default_rng(0)
    label = (np.arange(n) % every == 0).astype(int)
    return pl.DataFrame({"x": np.round(label * 2.0 + rng.normal(size=n), 6), "y": np.round(rng.normal(size=n), 6), "hazard": label})


def _write(frame: pl.DataFrame, path: Path) -> Path:
    frame.write_csv(path) if path.suffix == ".csv" else frame.write_parquet(path)
    return path


def _run(args: list[object], run: Path) -> tuple[dict, str]:
    result = invoke(*args, f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text()), " ".join(result.output.split())  # rich wraps long lines


# ------------------------------------------------------ the leakage check of a case table, stratified

def test_a_case_tables_leakage_check_validates_on_each_levels_share():
    """seismic-bumps' shape (2,584 cases, 170 bumps): 34 bumps to validate on at every seed; the
    plain split gave 30, 24, 34, 29, 31 at seeds 0..4."""
    from minectl.risk.leakage import case_holdout

    levels = np.zeros(2584, dtype=np.int64)
    levels[:170] = 1
    for seed in range(5):
        train, val = case_holdout(levels, 0.2, seed)
        assert np.bincount(levels[val]).tolist() == [483, 34]
        assert sorted([*train, *val]) == list(range(2584))


def test_a_case_tables_leakage_check_falls_back_to_a_plain_split_where_it_cannot_stratify():
    """A level of one row: sklearn's stratified split raises; the plain split is the one before."""
    from sklearn.model_selection import train_test_split

    from minectl.risk.leakage import case_holdout

    levels = np.array([0] * 29 + [1])
    train, val = case_holdout(levels, 0.2, 3)
    before = train_test_split(np.arange(30), test_size=0.2, random_state=3)
    assert (train.tolist(), val.tolist()) == (sorted(before[0]), sorted(before[1]))


def test_a_copy_of_the_label_in_an_imbalanced_case_table_is_named(tmp_path):
    # before (seed 0): 4 positives of 50 validation rows, "too few to tell ...; no feature checked", no leakage metric
    path = _write(_cases(250, every=10).with_columns(outcome=pl.col("hazard")), tmp_path / "cases.csv")
    metrics, output = _run(["risk", *CASE_KEYS, f"risk.input.path={path}", "risk.val_fraction=0.2"], tmp_path / "run")
    assert metrics["leakage.outcome"] == 1.0
    assert "leakage? feature 'outcome' alone predicts the label with balanced accuracy 1.000 on validation" in output
    assert "too few to tell" not in output


# ------------------------------------------------------ a refusal after the leakage check is one line

def test_a_case_table_with_a_level_of_one_row_is_refused_in_one_line(tmp_path):
    # before: "leakage check: 1 validation row of the rarest label level ..." and then the error
    label = np.zeros(200, dtype=int)
    label[5] = 1
    path = _write(_cases().with_columns(hazard=pl.Series(label)), tmp_path / "cases.csv")
    assert_refused(["risk", *CASE_KEYS, f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "risk labels: level 'high' has 1 row; stratified 5-fold cross validation needs at least 5 rows of each (risk.cv.folds)",
                   inputs=[path], run_dir=tmp_path / "run")


def test_a_series_whose_test_part_holds_one_level_is_refused_in_one_line(tmp_path):
    # before: "leakage check: 2 validation rows of the rarest label level ..." and then the error
    rng = np.random.default_rng(1)
    label = np.zeros(100, dtype=int)
    label[[10, 20, 30, 40, 60, 65, 70]] = 1
    path = _write(pl.DataFrame({"x": np.round(label * 2 + rng.normal(size=100), 5), "y": np.round(rng.normal(size=100), 5),
                                "hazard": label}), tmp_path / "series.csv")
    assert_refused(["risk", *SERIES_KEYS, f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "risk labels: the test part (lead 0, 20 samples) holds the single level 'low'", inputs=[path],
                   run_dir=tmp_path / "run")


def test_the_leakage_warning_of_a_finished_run_is_still_said(tmp_path):
    path = _write(_cases().with_columns(outcome=pl.col("hazard")), tmp_path / "series.csv")
    metrics, output = _run(["risk", *SERIES_KEYS, f"risk.input.path={path}"], tmp_path / "run")
    assert metrics["leakage.outcome"] == 1.0
    assert "leakage? feature 'outcome' alone predicts the label with balanced accuracy 1.000 on validation at lead 0" in output


def test_a_fold_validating_on_rows_of_one_level_is_refused(tmp_path):
    # before: run, each fold's eq 11 threshold chosen on 2 validation rows, both of level 0 in fold 1
    path = _write(_cases(), tmp_path / "cases.csv")
    assert_refused(["risk", *CASE_KEYS, f"risk.input.path={path}", "risk.val_fraction=0.01", f"hydra.run.dir={tmp_path / 'run'}"],
                   "risk labels: fold 1 trains on 160 rows, 40 of its rarest level, and would validate on 2; its stratified validation "
                   "split needs 2 rows of each level and a row per level on each side", inputs=[path], run_dir=tmp_path / "run")


# ------------------------------------------------------ seeds, labels

def test_the_largest_seed_runs_a_case_table(tmp_path):
    # before: InvalidParameterError ... random_state ... Got 4294967296 instead (a traceback)
    path = _write(_cases(), tmp_path / "cases.csv")
    metrics, _ = _run(["risk", *CASE_KEYS, f"risk.input.path={path}", "seed=4294967295"], tmp_path / "run")
    assert metrics["cv.rows"] == 200
    assert 0.5 < metrics["test.auc"] <= 1.0


def test_a_seed_given_as_text_is_the_same_seed(tmp_path):
    path = _write(_cases(), tmp_path / "cases.csv")
    one, _ = _run(["risk", *CASE_KEYS, f"risk.input.path={path}", "seed=1"], tmp_path / "a")
    text, _ = _run(["risk", *CASE_KEYS, f"risk.input.path={path}", "seed='1'"], tmp_path / "b")
    assert one == text


@pytest.mark.slow
@pytest.mark.parametrize("names", ["[false,true]", "[False,True]"])
def test_a_boolean_class_named_false_true_gives_the_figures_of_0_1(names, tmp_path):
    # before: "risk labels: column 'hazard' holds 'false', which is not in risk.labels.names ['False', 'True']"
    plain = _write(_cases(), tmp_path / "plain.csv")
    flags = _write(_cases().with_columns(pl.col("hazard").cast(pl.Boolean)), tmp_path / "flags.csv")
    assert "false" in flags.read_text()
    numbers, _ = _run(["risk", *CASE_KEYS, f"risk.input.path={plain}"], tmp_path / "a")
    named, _ = _run(["risk", *CASE_KEYS, f"risk.input.path={flags}", f"risk.labels.names={names}"], tmp_path / "b")
    assert named == numbers


@pytest.mark.parametrize("spelling", [{0: "false", 1: "true"}, {0: " 0", 1: " 1"}, {0: "0.0", 1: "1.0"}, {0: "FALSE", 1: "TRUE"}],
                         ids=["false-true", "padded", "floats", "FALSE-TRUE"])
@pytest.mark.slow
def test_class_labels_written_otherwise_give_the_figures_of_0_1(spelling, tmp_path):
    plain = _write(_cases(), tmp_path / "plain.csv")
    written = tmp_path / "written.csv"
    _cases().with_columns(hazard=pl.col("hazard").replace_strict(spelling, return_dtype=pl.String)).write_csv(written)
    numbers, _ = _run(["risk", *CASE_KEYS, f"risk.input.path={plain}"], tmp_path / "a")
    other, _ = _run(["risk", *CASE_KEYS, f"risk.input.path={written}"], tmp_path / "b")
    assert other == numbers


def test_a_label_column_not_given_names_the_key(tmp_path):
    path = _write(_cases(), tmp_path / "cases.csv")
    keys = [key for key in CASE_KEYS if not key.startswith("risk.labels.column")]
    assert_refused(["risk", *keys, f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "risk labels: column 'risk' not found (has x, y, hazard, step); expected the label column's name in risk.labels.column",
                   inputs=[path], run_dir=tmp_path / "run")


# ------------------------------------------------------ times written as numbers are no indicators

DAYS = [int((dt.date(2024, 1, 1) + dt.timedelta(days=i)).strftime("%Y%m%d")) for i in range(200)]
TIMES_AS_NUMBERS = {  # a column of the case table: (its values, what the line says)
    "epoch seconds": (1_600_000_000 + 3600 * np.arange(200),
                      "column 'ts' numbers the rows in steps of 3600 (1600000000..1600716400: a time as a number, an id or index?); "
                      "expected measurements as indicators: the column in risk.features.exclude"),
    "epoch seconds as floats": (1.6e9 + 3600.0 * np.arange(200), "column 'ts' numbers the rows in steps of 3600"),
    "a count down": (np.arange(200, 0, -1), "column 'ts' numbers the rows in steps of -1 (200..1"),
    "days": (np.array(DAYS), "column 'ts' holds days written as numbers, in order (20240101..20240718: a date?)"),
}


@pytest.mark.parametrize("values, expect", TIMES_AS_NUMBERS.values(), ids=TIMES_AS_NUMBERS.keys())
def test_times_written_as_numbers_are_refused_as_indicators(values, expect, tmp_path):
    path = _write(_cases().with_columns(ts=pl.Series(values)), tmp_path / "cases.csv")
    assert_refused(["risk", *CASE_KEYS, f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}"], [str(path), expect],
                   inputs=[path], run_dir=tmp_path / "run")


NOT_TIMES = {  # integer measurements that stay indicators
    "a constant day": np.full(200, 20240101),
    "days of shuffled cases": np.random.default_rng(2).permutation(DAYS),
    "a rising count with uneven steps": np.cumsum(np.random.default_rng(3).integers(1, 4, 200)),
}


@pytest.mark.parametrize("values", NOT_TIMES.values(), ids=NOT_TIMES.keys())
def test_integer_measurements_stay_indicators(values, tmp_path):
    path = _write(_cases().with_columns(ts=pl.Series(values)), tmp_path / "cases.csv")
    metrics, _ = _run(["risk", *CASE_KEYS, f"risk.input.path={path}"], tmp_path / "run")
    assert metrics["data.indicators"] == 3
