"""Bad-input corpus, round 9: `minectl risk` and `risk predict` on tables as other people bring them.
Before: `risk predict` read, checked and filled every column of the new rows, not only the saved
model's: a notes column of text or a record id the model never used refused the rows, and a column
of gaps it never used dropped the days where it was empty (ffill) without a word, one score fewer;
a column named in risk.features.dynamic that holds words was refused as having "no value in any
row" (words are no numbers), or, beside numbers, ended in a polars cast traceback; a parquet
column of numbers stored as text was refused as "holds text (e.g. '1.5')".
The metrics are checked against sklearn on a three-level text-labelled table.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused, invoke
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score

SERIES_KEYS = ["risk.input.kind=table", "risk.window=2", "risk.lead_times=[0]", "risk.primary_lead=0", "risk.labels.source=column",
               "risk.labels.column=hazard", "risk.labels.levels=2", "model=lr", "report=false", "risk.robustness.enabled=false",
               "risk.importance.enabled=false", "risk.input.categorical=[crew]"]


def _rows(n: int, seed: int, levels: int = 2) -> pl.DataFrame:
    """One row per step: x leans to the level, y is noise, crew a category."""
    rng = np.random.default_rng(seed)
    level = rng.integers(0, levels, n)
    return pl.DataFrame({"x": np.round(level * 2.0 + rng.normal(size=n), 4), "y": np.round(rng.normal(size=n), 4),
                         "crew": rng.choice(["a", "b", "c"], n), "hazard": level})


def _run(args: list[object], run: Path) -> dict:
    result = invoke("risk", *args, f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text())


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A saved lr run on 120 steps of x, y and crew."""
    root = tmp_path_factory.mktemp("trained")
    _rows(120, 0).write_csv(root / "train.csv")
    _run([*SERIES_KEYS, f"risk.input.path={root / 'train.csv'}"], root / "run")
    return root / "run"


def _scores(run: Path, path: Path) -> pl.DataFrame:
    out = path.with_suffix(".scores.parquet")
    result = invoke("risk", "predict", run, f"risk.input.path={path}", f"out={out}")
    assert result.exit_code == 0, result.output
    return pl.read_parquet(out)


# -- risk predict: the new rows' columns ---------------------------------------------------------

NEW = _rows(40, 5)
OTHER_COLUMNS = {
    # refused before: "column 'note' holds text (e.g. 'checked')"
    "a notes column": NEW.with_columns(note=pl.lit("checked")),
    # refused before: "column 'id' numbers the rows (0..39: an id or index?)"
    "a record id": NEW.with_columns(id=pl.int_range(pl.len())),
    # before: step 0 was dropped for its empty 'meter' (ffill), 38 scores for 39 windows, unsaid
    "a column of gaps": NEW.with_columns(meter=pl.when(pl.int_range(pl.len()) % 2 == 0).then(None).otherwise(pl.lit(1.0))),
    # as before: the order of the columns is nobody's business
    "columns in another order, without the label": NEW.select("crew", "y", "x"),
}


@pytest.mark.parametrize("case", OTHER_COLUMNS)
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_columns_the_saved_model_does_not_read_change_no_score(trained, tmp_path, case, suffix):
    plain, other = tmp_path / f"plain{suffix}", tmp_path / f"other{suffix}"
    for frame, path in ((NEW, plain), (OTHER_COLUMNS[case], other)):
        frame.write_csv(path) if suffix == ".csv" else frame.write_parquet(path)
    expected = _scores(trained, plain)
    assert expected.height == 39 and expected["step"].to_list() == list(range(1, 40))  # a window of 2 steps
    assert _scores(trained, other).equals(expected)


def test_a_model_column_of_numbers_stored_as_text_scores_as_the_numbers(trained, tmp_path):
    """A parquet file typed x as text ('1.2867'): a csv reads the same cells as numbers. Refused before,
    as 'holds text (e.g. '1.2867')'."""
    NEW.write_parquet(tmp_path / "plain.parquet")
    NEW.with_columns(pl.col("x").cast(pl.String)).write_parquet(tmp_path / "text.parquet")
    assert _scores(trained, tmp_path / "text.parquet").equals(_scores(trained, tmp_path / "plain.parquet"))


def test_a_model_column_holding_a_word_is_refused_naming_it(trained, tmp_path):
    path = tmp_path / "new.parquet"
    NEW.with_columns(pl.when(pl.int_range(pl.len()) == 7).then(pl.lit("n/a?")).otherwise(pl.col("x").cast(pl.String))
                     .alias("x")).write_parquet(path)
    assert_refused(["risk", "predict", trained, f"risk.input.path={path}", f"out={tmp_path / 'scores.parquet'}"],
                   f"{path}: column 'x' holds text (e.g. 'n/a?'); expected numbers", inputs=[path, trained])


def test_a_category_the_model_never_saw_is_refused_and_one_it_lacks_is_zeros(trained, tmp_path):
    """New rows of crew 'd' would be none of a, b, c (all-zero one-hot columns): refused. Rows of crew a
    only score as rows whose b and c columns are zero."""
    unseen = tmp_path / "unseen.csv"
    NEW.with_columns(crew=pl.lit("d")).write_csv(unseen)
    assert_refused(["risk", "predict", trained, f"risk.input.path={unseen}", f"out={tmp_path / 'scores.parquet'}"],
                   "risk predict: column 'crew' holds 'd', a value the saved model never saw; expected one of a, b, c",
                   inputs=[unseen, trained])
    only_a = tmp_path / "only_a.csv"
    NEW.with_columns(crew=pl.lit("a")).write_csv(only_a)
    spec = json.loads((trained / "risk_model.json").read_text())
    assert [c for c in spec["dynamic"] if c.startswith("crew=")] == ["crew=a", "crew=b", "crew=c"]
    assert _scores(trained, only_a).height == 39


# -- risk: columns named in risk.features.dynamic ------------------------------------------------

def _named(tmp_path: Path, column: pl.Expr) -> tuple[list[object], Path]:
    path = tmp_path / "log.parquet"
    _rows(80, 1).with_columns(column.alias("note")).write_parquet(path)
    return ["risk", *SERIES_KEYS, f"risk.input.path={path}", "risk.features.dynamic=[x,note]", f"hydra.run.dir={tmp_path / 'run'}"], path


@pytest.mark.parametrize("column", [pl.lit("ok"), pl.when(pl.int_range(pl.len()) == 5).then(pl.lit("ok")).otherwise(pl.lit("1.5"))],
                         ids=["words only (said: 'no value in any row')", "a word among numbers (a polars cast traceback)"])
def test_a_named_indicator_holding_words_is_refused_as_text(tmp_path, column):
    args, path = _named(tmp_path, column)
    assert_refused(args, f"{path}: column 'note' holds text (e.g. 'ok'); expected numbers", inputs=[path], run_dir=tmp_path / "run")


def test_numbers_stored_as_text_are_said_so(tmp_path):
    path = tmp_path / "log.parquet"
    _rows(80, 1).with_columns(pl.col("y").cast(pl.String)).write_parquet(path)
    assert_refused(["risk", *SERIES_KEYS, f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{path}: column 'y' holds numbers stored as text (e.g. '0.6659', type String); expected numbers (an empty "
                   "cell: missing; a number type in a parquet file)", inputs=[path], run_dir=tmp_path / "run")


# -- metrics: three text levels, checked against sklearn -----------------------------------------

def test_three_text_levels_score_as_sklearn_scores_the_predictions(tmp_path):
    """calm < watch < danger as text: accuracy, macro precision/recall/F1, recall per level and macro
    one-vs-rest AUC of the test part, and the baselines beside them, as sklearn computes them from
    predictions.parquet; persistence is the level one step before, majority the training part's."""
    names = ["calm", "watch", "danger"]
    frame = _rows(200, 1, levels=3).with_columns(pl.col("hazard").replace_strict([0, 1, 2], names, return_dtype=pl.String))
    frame.write_csv(tmp_path / "log.csv")
    keys = [k for k in SERIES_KEYS if not k.startswith("risk.labels.levels")]
    m = _run([*keys, "risk.labels.levels=3", f"risk.input.path={tmp_path / 'log.csv'}", "risk.labels.names=[calm,watch,danger]"],
             tmp_path / "run")
    p = pl.read_parquet(tmp_path / "run" / "tables" / "predictions.parquet")
    y, level = p["y_true"].to_numpy(), p["level"].to_numpy()
    levels = frame["hazard"].replace_strict(names, [0, 1, 2]).to_numpy()
    assert (levels[p["step"].to_numpy()] == y).all() and len(y) == m["samples.test"] == 40
    assert m["test.accuracy"] == pytest.approx(accuracy_score(y, level)) and m["test.accuracy"] > 0.7  # a real fit
    assert m["test.f1_macro"] == pytest.approx(f1_score(y, level, average="macro"))
    assert m["test.precision_macro"] == pytest.approx(precision_score(y, level, average="macro", zero_division=0))
    assert [m[f"test.recall.{n}"] for n in ("low", "medium", "high")] == pytest.approx(recall_score(y, level, average=None))
    proba = p.select("p_low", "p_medium", "p_high").to_numpy()
    assert m["test.auc"] == pytest.approx(roc_auc_score(y, proba, multi_class="ovr", average="macro"))
    persistence = levels[p["step"].to_numpy() - 1]  # lead 0: the level known at t is the one of t - 1
    assert (p["persistence"].to_numpy() == persistence).all()
    assert m["baseline.persistence.f1_macro"] == pytest.approx(f1_score(y, persistence, average="macro"))
    assert m["baseline.persistence.auc"] == pytest.approx(roc_auc_score(y, np.eye(3)[persistence], multi_class="ovr"))
    train = levels[1:1 + m["samples.train"]]  # the training samples' targets: steps 1.. (a window of 2)
    majority = np.bincount(train).argmax()
    assert (p["majority"].to_numpy() == majority).all()
    assert m["baseline.majority.f1_macro"] == pytest.approx(f1_score(y, np.full_like(y, majority), average="macro"))
    assert m["baseline.majority.auc"] == 0.5


@pytest.mark.parametrize("cases", [False, True], ids=["time series", "case table"])
def test_timestamps_of_a_csv_not_named_the_time_column_are_said_to_be_times(tmp_path, cases):
    """A csv's timestamps read as text: the refusal offered to one-hot encode them (risk.input.categorical)
    and no risk.time.column; a case table (split=cv) takes no time column, so it offers none."""
    path = tmp_path / "log.csv"
    _rows(40, 2).drop("crew").with_columns(when=pl.datetime_range(dt.datetime(2021, 3, 1), dt.datetime(2021, 3, 2, 15), "1h",
                                                                  eager=True).dt.strftime("%d/%m/%Y %H:%M")).write_csv(path)
    split = ["risk.split=cv", "risk.window=1", "risk.cv.folds=2"] if cases else []
    keys = [k for k in SERIES_KEYS if not k.startswith(("risk.input.categorical", "risk.window"))]
    line = assert_refused(["risk", *keys, "risk.window=1", *split, f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                          f"{path}: column 'when' holds dates or times as text (e.g. '01/03/2021 00:00'), which are no feature; "
                          "expected the column in risk.features.exclude (not a feature)", inputs=[path], run_dir=tmp_path / "run")
    assert line.endswith(", or risk.time.column=when (rows are in file order without it)") is not cases


# -- metrics: a level the test part lacks --------------------------------------------------------

def _balanced_accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    """sklearn's, without its warning that pred holds a level y lacks (the case tested)."""
    import warnings

    from sklearn.metrics import balanced_accuracy_score

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return float(balanced_accuracy_score(y, pred))


@pytest.mark.parametrize(("y", "pred", "expected"), [
    # 'high' predicted once, never true: recall of high undefined; its F1 and precision 0 (a wrong call)
    ([0, 0, 1, 1, 1], [0, 1, 1, 1, 2], {"recall.medium": 2 / 3, "recall_macro": (1 / 2 + 2 / 3) / 2,
                                        "precision_macro": (1 + 2 / 3 + 0) / 3, "f1_macro": (2 / 3 + 2 / 3 + 0) / 3, "f1.high": 0.0}),
    # 'high' neither true nor predicted: no level of zeros in any macro average
    ([0, 1, 0, 1], [0, 1, 1, 1], {"recall.medium": 1.0, "recall_macro": (1 / 2 + 1) / 2, "precision_macro": (1 + 2 / 3) / 2,
                                  "f1_macro": (2 / 3 + 0.8) / 2, "f1.high": None}),
], ids=["predicted", "never predicted"])
def test_a_level_absent_from_the_test_part_has_no_recall(y, pred, expected):
    """Before: recall.high 0.0 (read 'recall high 0.000' as if measured) and every macro average pulled
    down by the level's zeros (recall_macro 7/18 for 7/12; f1_macro 0.489 for 0.733). Hand-computed;
    the same as sklearn's balanced accuracy and macro F1 and precision without labels=."""
    from minectl.risk.evaluate import classification_metrics, one_hot

    y, pred = np.array(y), np.array(pred)
    m = classification_metrics(y, pred, one_hot(pred, 3), 3)
    assert np.isnan(m["recall"]["high"]) and m["recall"]["low"] == 0.5
    assert m["recall"]["medium"] == pytest.approx(expected["recall.medium"])
    for key in ("recall_macro", "precision_macro", "f1_macro"):
        assert m[key] == pytest.approx(expected[key]), key
    assert m["recall_macro"] == pytest.approx(_balanced_accuracy(y, pred))
    assert m["f1_macro"] == pytest.approx(f1_score(y, pred, average="macro", zero_division=0))
    assert m["precision_macro"] == pytest.approx(precision_score(y, pred, average="macro", zero_division=0))
    assert np.isnan(m["f1"]["high"]) if expected["f1.high"] is None else m["f1"]["high"] == expected["f1.high"]


def test_a_run_whose_test_part_lacks_the_top_level_writes_no_recall_of_it(tmp_path):
    """Three levels, none 'high' in the last 40 steps (the test part): test.recall.high is undefined, not
    written (it read 0.0), and recall_macro is the balanced accuracy of the levels there (0.627; it read 0.418)."""
    frame = _rows(200, 1, levels=3)
    frame = frame.with_columns(hazard=pl.when((pl.int_range(pl.len()) >= 158) & (pl.col("hazard") == 2)).then(1)
                               .otherwise(pl.col("hazard")))
    frame.write_csv(tmp_path / "log.csv")
    keys = [k for k in SERIES_KEYS if not k.startswith("risk.labels.levels")]
    m = _run([*keys, "risk.labels.levels=3", f"risk.input.path={tmp_path / 'log.csv'}"], tmp_path / "run")
    p = pl.read_parquet(tmp_path / "run" / "tables" / "predictions.parquet")
    y, level = p["y_true"].to_numpy(), p["level"].to_numpy()
    assert sorted(set(y.tolist())) == [0, 1] and 2 in level  # the model called 'high' where there was none
    assert "test.recall.high" not in m and "lead_0.recall_high" not in m and m["test.f1.high"] == 0.0
    assert m["test.recall_macro"] == pytest.approx(_balanced_accuracy(y, level)) == pytest.approx((14 / 15 + 8 / 25) / 2)
    assert m["test.f1_macro"] == pytest.approx(f1_score(y, level, average="macro"))
    persistence = p["persistence"].to_numpy()
    assert m["baseline.persistence.f1_macro"] == pytest.approx(f1_score(y, persistence, average="macro"))


def test_a_csv_without_a_header_line_is_said_so(tmp_path):
    """A UCI .data file (values only; the names in a .names file) saved as csv: its first row read as the
    names, and the refusal was "column 'hazard' not found (has 1.5, 2.25, 0, step)"."""
    path = tmp_path / "cases.csv"
    path.write_text("1.5,2.25,0\n2.5,3.5,1\n3.5,1.25,0\n0.5,2.0,1\n")
    assert_refused(["risk", *SERIES_KEYS[:-1], f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{path}: the first line holds numbers (1.5, 2.25, 0), not column names: a file without a header line? "
                   "expected the column names in its first line", inputs=[path], run_dir=tmp_path / "run")
