"""Bad-input corpus, round 22: label shapes of `minectl risk`, and its figures checked against sklearn by hand.

Before: a label column of 4 or 5 levels (integers 0..3, 0..4) was refused ("expected 2 or 3 (4 or 5 levels: source
thresholds or quantiles)"), though the column, its names and the evaluation handle 2..5 levels; only rules (0/1/2
points) give 3, no more and no fewer; a column of 0..3 read with 3 levels now offers risk.labels.levels=4. Level names given in reverse as abbreviations (`risk.labels.names=[H,M,L]`) ran, exit 0, with
'H' as the low level: every figure of 'high' measured on the low days, unsaid ([high, medium, low] was refused).
Rule labels (risk/labels=rules) with risk.labels.levels=2 ended in an IndexError traceback; now refused in one line.
A test part without a 'high' day showed 'nan' under 'recall high', its recall_macro and AUC over the other levels, and
no line said why; now one does. A NaN label (pandas' empty float) was refused offering text labels in
risk.labels.names; now it is a missing label, as an empty cell is.
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from harness import QUICK_RISK, assert_refused, invoke
from sklearn.metrics import balanced_accuracy_score, f1_score, recall_score, roc_auc_score

QUICK = [*QUICK_RISK, "report=false"]


def _table(path, levels: int, names=None, top_from: int = 300):
    """300 days of two indicators and a label of ``levels`` levels (equal shares of a score), as integers or ``names``;
    the top level only before day ``top_from``."""
    rng = np.random.default_rng(22)
    x1, x2 = rng.normal(size=300), rng.normal(size=300)
    x1[1:] += 0.6 * x1[:-1]
    score = x1 + 0.5 * x2 + 0.5 * rng.normal(size=300)
    y = np.searchsorted(np.quantile(score, np.linspace(0, 1, levels + 1)[1:-1]), score, side="right")
    y[top_from:] = np.minimum(y[top_from:], levels - 2)
    dates = pl.date_range(pl.date(2021, 1, 1), pl.date(2021, 10, 27), eager=True)
    label = np.asarray(names)[y] if names is not None else y
    pl.DataFrame({"date": dates, "x1": x1, "x2": x2, "risk": label}).write_csv(path)
    return path


def _args(path, levels: int, *extra):
    return [*QUICK, "risk.input.kind=table", f"risk.input.path={path}", "risk.time.column=date", "risk.labels.column=risk",
            f"risk.labels.levels={levels}", *extra]


def _run(tmp_path, name, args):
    run = tmp_path / name
    result = invoke("risk", *args, f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text()), pl.read_parquet(run / "tables" / "predictions.parquet")


@pytest.mark.parametrize("levels", [4, 5, 2])  # 2: the near miss, as before
def test_a_label_column_of_any_level_count_runs_and_its_figures_are_sklearns(tmp_path, levels):
    metrics, predictions = _run(tmp_path, "run", _args(_table(tmp_path / "t.csv", levels), levels))
    y, level = predictions["y_true"].to_numpy(), predictions["level"].to_numpy()
    proba = predictions.select(pl.selectors.starts_with("p_")).to_numpy()
    assert proba.shape[1] == levels
    assert metrics["test.f1_macro"] == pytest.approx(f1_score(y, level, average="macro"))
    assert metrics["test.recall_macro"] == pytest.approx(balanced_accuracy_score(y, level))
    assert metrics["lead_0.recall_high"] == pytest.approx(recall_score(y, level, labels=[levels - 1], average=None)[0])
    auc = roc_auc_score(y, proba[:, 1]) if levels == 2 else roc_auc_score(y, proba, multi_class="ovr")
    assert metrics["test.auc"] == pytest.approx(auc)
    for base in ("majority", "persistence"):
        assert metrics[f"baseline.{base}.f1_macro"] == pytest.approx(f1_score(y, predictions[base].to_numpy(), average="macro"))


def test_more_levels_than_the_column_holds_is_refused(tmp_path):
    path = _table(tmp_path / "t.csv", 3)
    assert_refused(["risk", *_args(path, 4), f"hydra.run.dir={tmp_path / 'run'}"],
                   "column 'risk' never holds level 3 of 4", inputs=[path], run_dir=tmp_path / "run")


@pytest.mark.parametrize("levels", [2, 4])  # 2: rules scored 0/1/2 into two levels, an IndexError at the fit
def test_rules_give_three_levels_only(tmp_path, levels):
    assert_refused(["risk", *QUICK, "risk/labels=rules", f"risk.labels.levels={levels}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"risk.labels.levels: {levels} with risk.labels.source=rules; expected 3", run_dir=tmp_path / "run")


@pytest.mark.parametrize(("names", "expect"), [
    ("[H,M,L]", "['H', 'M', 'L'] are the risk levels out of order; expected them from low to high: ['L', 'M', 'H']"),
    ("[Hi,Lo,Med]", "expected them from low to high: ['Lo', 'Med', 'Hi']"),
    ("[high,low,medium]", "expected them from low to high: ['low', 'medium', 'high']"),
])
def test_level_names_out_of_order_are_refused(tmp_path, names, expect):
    given = names.strip("[]").split(",")
    path = _table(tmp_path / "t.csv", 3, sorted(given, key=lambda n: "lmh".index(n[0].lower())))
    assert_refused(["risk", *_args(path, 3, f"risk.labels.names={names}"), f"hydra.run.dir={tmp_path / 'run'}"],
                   expect, inputs=[path], run_dir=tmp_path / "run")


def test_abbreviated_names_in_order_give_the_integer_figures(tmp_path):
    plain, _ = _run(tmp_path, "plain", _args(_table(tmp_path / "t.csv", 3), 3))
    named, _ = _run(tmp_path, "named", _args(_table(tmp_path / "n.csv", 3, ["L", "M", "H"]), 3, "risk.labels.names=[L,M,H]"))
    assert named["test.f1_macro"] == plain["test.f1_macro"] and named["test.auc"] == plain["test.auc"]


def test_hybrid_tree_weights_and_probabilities_by_hand():
    """eq 10 on a 3-tree forest: omega_m = each tree's validation balanced accuracy above chance, normalised; p = sum."""
    from minectl.models.hybrid import LSTMRandomForestClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 9))
    y = (X[:, 0] + X[:, -1] + 0.5 * rng.normal(size=240) > 0).astype(int) + (X[:, 1] > 1)
    model = LSTMRandomForestClassifier(window=4, n_static=1, hidden_size=4, max_epochs=2, n_estimators=3, max_depth=3,
                                       min_samples_leaf=2, device="cpu").fit(X[:160], y[:160], validation_data=(X[160:200], y[160:200]))
    trees, classes = model.forest_.estimators_, model.forest_.classes_
    scores = np.array([balanced_accuracy_score(y[160:200], classes[t.predict(model._fused(X[160:200])).astype(int)]) for t in trees])
    gain = np.clip(scores - 1 / 3, 0, None)
    weights = gain / gain.sum()
    np.testing.assert_allclose(model.tree_weights_, weights)
    by_hand = sum(w * t.predict_proba(model._fused(X[200:])) for w, t in zip(weights, trees, strict=True))
    np.testing.assert_allclose(model.predict_proba(X[200:]), by_hand)


@pytest.mark.parametrize("top_from", [240, 300])  # 300: 'high' in the test part, the near miss
def test_a_test_part_without_the_top_level_is_said(tmp_path, top_from):
    result = invoke("risk", *_args(_table(tmp_path / "t.csv", 3, top_from=top_from), 3), f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    said = "the test part holds no row of 'high' among its 59: no recall of it is measured"
    assert (said in " ".join(result.output.split())) == (top_from == 240), result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert ("lead_0.recall_high" in metrics) == (top_from == 300)


@pytest.mark.parametrize(("file_levels", "levels", "expect"), [
    (4, 3, "must hold integers 0..2 (found '0', '1', '2', '3'); or risk.labels.levels=4 for levels 0..3"),
    (5, 4, "must hold integers 0..3 (found '0', '1', '2', '3', '4'); or risk.labels.levels=5 for levels 0..4"),
])
def test_a_column_of_more_levels_offers_its_level_count(tmp_path, file_levels, levels, expect):
    path = _table(tmp_path / "t.csv", file_levels)
    assert_refused(["risk", *_args(path, levels), f"hydra.run.dir={tmp_path / 'run'}"], expect, inputs=[path],
                   run_dir=tmp_path / "run")


def test_one_based_levels_are_not_offered_a_level_count(tmp_path):
    path = _table(tmp_path / "t.csv", 4, names=[1, 2, 3, 4])
    line = assert_refused(["risk", *_args(path, 3), f"hydra.run.dir={tmp_path / 'run'}"], "must hold integers 0..2",
                          inputs=[path], run_dir=tmp_path / "run")
    assert "risk.labels.levels=" not in line


@pytest.mark.parametrize("empty", [True, False])  # False: whole floats 0.0/1.0/2.0, the near miss, run
def test_a_nan_label_is_a_missing_label(tmp_path, empty):
    """pandas writes an empty label of a float column as NaN: it was refused as 'must hold integers 0..2 (found '0.0',
    '1.0', '2.0', 'NaN'); or text labels ... in risk.labels.names', offering names for a missing value."""
    frame = pl.read_csv(_table(tmp_path / "t.csv", 3), try_parse_dates=True).with_columns(pl.col("risk").cast(pl.Float64))
    if empty:
        frame = frame.with_columns(pl.when(pl.int_range(pl.len()).is_in([40, 41])).then(float("nan")).otherwise(pl.col("risk"))
                                   .alias("risk"))
    path = tmp_path / "t.parquet"
    frame.write_parquet(path)
    args = ["risk", *_args(path, 3), f"hydra.run.dir={tmp_path / 'run'}"]
    if empty:
        assert_refused(args, "column 'risk' has 2 missing values (first in row 41 of the rows in time order)", inputs=[path],
                       run_dir=tmp_path / "run")
    else:
        assert invoke(*args).exit_code == 0
