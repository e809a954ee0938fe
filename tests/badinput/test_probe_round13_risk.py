"""Bad-input corpus, round 13: `minectl risk` and `minectl risk predict`.

Before: a case table too thin for its folds was refused as "the rarest level has 1 rows" (no level named,
a plural for one row; a continuous label's bins called levels); predict's missing-column line listed the
'step' column predict adds itself, as if the file held it; predict of fewer rows than the saved window
named risk.window, a setting predict does not take; model.params.validation_fraction=0.5 of model=lstm
or lstm_rf ran with exit 0 and changed nothing (the task hands every fit its own validation part);
a saved risk_model.json naming a column twice ended in a numpy traceback; a label rule on a flat baseline
(downtime 0 h for a month, then a 6 h breakdown) gave the jump 0 points, as if nothing moved; predict of rows
repeating a time offered risk.time.repeated=mean, a key predict does not take; predict's data.path=... on a
table run was read as risk.input.path (and risk.input.synthetic.seed on a mine run as data.synthetic.seed), and
risk.input.kind=mine made a table's model score the mine's accounts; data.synthetic.mines=0 was said as
"mines: expected an integer >= 1, got 0", deep in the loader, not as the key given; risk.lead_times=[true] was
said as "risk.primary_lead: 0 is not one of risk.lead_times [True]"; model.params.class_weight={0:1,3:5} (a key
that is no level) was a scikit-learn traceback mid-run for lr and rf and silently ignored by the LSTMs, and a weight
of -5 turned the LSTM's weighted loss around without a word; predict's out=scores.csv wrote parquet bytes under a
.csv name (and out=scores.xlsx too).
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
from test_probe_round12_risk import SHIFTS  # a persistent hazard, 120 rows

from minectl.errors import ConfigError, DataError
from minectl.estimators import build
from minectl.risk.artefacts import read_spec
from minectl.risk.labels import LabelRule, rule_labels, rule_levels
from minectl.risk.timeaxis import lead_index
from minectl.tasks.risk import MODEL_SET_BY_TASK

KEYS = [*QUICK_RISK, "report=false", "risk.input.kind=table", "risk.labels.column=class", "risk.labels.levels=2", "risk.window=3",
        "risk.primary_lead=0", "risk.leakage.enabled=false"]
CASES = ["risk.input.kind=table", "risk.split=cv", "risk.window=1", "risk.lead_times=[0]", "risk.primary_lead=0", "risk.cv.folds=5",
         "risk.cv.repeats=1", "risk.labels.source=column", "risk.labels.column=class", "risk.labels.levels=2", "model=lr", "report=false", "risk.leakage.enabled=false"]
LSTM = "minectl.models.sequence.LSTMClassifier"




def _cases(high_rows: int, n: int = 200) -> pl.DataFrame:
    """Independent cases, the first ``high_rows`` of level 1; x leans to the level."""
    rng = np.random.default_rng(0)
    level = (np.arange(n) < high_rows).astype(int)
    return pl.DataFrame({"x": np.round(level * 2.0 + rng.normal(size=n), 6), "y": np.round(rng.normal(size=n), 6), "class": level})


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, Path]:
    """The shifts as csv and the folder of their run (window 3, logistic regression)."""
    root = tmp_path_factory.mktemp("trained")
    SHIFTS.write_csv(root / "shifts.csv")
    result = invoke("risk", *KEYS, f"risk.input.path={root / 'shifts.csv'}", f"hydra.run.dir={root / 'run'}")
    assert result.exit_code == 0, result.output
    return root / "shifts.csv", root / "run"


def _predict(run: Path, path: Path, out: Path) -> pl.DataFrame:
    result = invoke("risk", "predict", run, f"risk.input.path={path}", f"out={out}")
    assert result.exit_code == 0, result.output
    return pl.read_parquet(out)


# ------------------------------------------------------------ a case table too thin for its folds names the level

def test_a_level_too_rare_for_the_folds_is_named(tmp_path):
    path = tmp_path / "cases.csv"
    _cases(1).write_csv(path)
    # before: "risk labels: the rarest level has 1 rows; ..."
    assert_refused(["risk", *CASES, f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "risk labels: level 'high' has 1 row; stratified 5-fold cross validation needs at least 5 rows of each "
                   "(risk.cv.folds)", inputs=[path], run_dir=tmp_path / "run")


def test_a_continuous_label_s_bins_are_not_called_levels(tmp_path):
    path = tmp_path / "cases.csv"
    rng = np.random.default_rng(1)
    pl.DataFrame({"x": rng.normal(size=12), "q": rng.normal(size=12)}).write_csv(path)
    # 12 distinct values in 3 equal-share bins: 4 rows each, fewer than 5 folds
    assert_refused(["risk", *CASES, f"risk.input.path={path}", "risk.labels.source=quantiles", "risk.labels.column=q",
                    "risk.labels.levels=3", f"hydra.run.dir={tmp_path / 'run'}"],
                   "risk labels: the equal-share bin 'low' of the continuous label (the folds are stratified by these bins) has "
                   "4 rows; stratified 5-fold cross validation needs at least 5 rows of each (risk.cv.folds)", inputs=[path])


def test_a_level_with_as_many_rows_as_folds_is_cross_validated(tmp_path):
    path = tmp_path / "cases.csv"
    _cases(10).write_csv(path)  # near miss: 10 rows of 'high', 5 folds
    result = invoke("risk", *CASES, f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    folds = pl.read_parquet(tmp_path / "run" / "tables" / "folds.parquet")
    assert folds.height == 5
    predictions = pl.read_parquet(tmp_path / "run" / "tables" / "predictions.parquet")
    assert predictions.height == 200 and int(predictions["y_true"].sum()) == 10  # each case scored once, out of fold


# ------------------------------------------------------------ predict: what the new rows lack, said as they are

def test_a_missing_model_column_lists_the_file_s_columns_only(trained, tmp_path):
    path, run = trained
    renamed = tmp_path / "renamed.csv"
    SHIFTS.rename({"x": "X"}).write_csv(renamed)
    # before: "(has X, y, class, step)": 'step' is the row order predict adds, not a column of the file
    line = assert_refused(["risk", "predict", run, f"risk.input.path={renamed}", f"out={tmp_path / 'p.parquet'}"],
                          "risk predict: column 'x' of the saved model is not in the new data (has X, y, class); expected every "
                          "feature column the model was trained on", inputs=[renamed, run])
    assert "step" not in line
    SHIFTS.rename({"x": "X", "y": "Y"}).write_csv(renamed)
    assert_refused(["risk", "predict", run, f"risk.input.path={renamed}", f"out={tmp_path / 'p.parquet'}"],
                   "risk predict: columns 'x', 'y' of the saved model (2) are not in the new data (has X, Y, class)")


def test_fewer_rows_than_the_window_name_the_saved_window(trained, tmp_path):
    path, run = trained
    few = tmp_path / "few.csv"
    SHIFTS.head(2).write_csv(few)
    # before: "risk.window: 3 periods are longer than the 2 rows of the new data": predict takes no risk.window
    line = assert_refused(["risk", "predict", run, f"risk.input.path={few}", f"out={tmp_path / 'p.parquet'}"],
                          "risk predict: the new data hold 2 rows, fewer than the saved model's window of 3 periods; expected "
                          "at least 3 rows", inputs=[few, run])
    assert "risk.window" not in line
    SHIFTS.head(1).write_csv(few)
    assert_refused(["risk", "predict", run, f"risk.input.path={few}", f"out={tmp_path / 'p.parquet'}"], "hold 1 row, fewer than")
    # near miss: exactly one window scores its last row as the whole file does
    SHIFTS.head(3).write_csv(few)
    one = _predict(run, few, tmp_path / "one.parquet")
    every = _predict(run, path, tmp_path / "all.parquet")
    assert one["step"].to_list() == [2] and every["step"][0] == 2 and every.height == 118
    assert np.allclose(one["p_high"].to_numpy(), every["p_high"].to_numpy()[:1], atol=1e-12)


# ------------------------------------------------------------ a model setting nothing reads

def test_a_validation_fraction_for_the_lstm_is_refused(tmp_path, trained):
    path, _ = trained
    # before: exit 0 and the same figures: the task passes each fit its validation part (risk.val_fraction)
    assert_refused(["risk", *KEYS, f"risk.input.path={path}", "model=lstm", "model.params.validation_fraction=0.5",
                    f"hydra.run.dir={tmp_path / 'run'}"],
                   "model.params.validation_fraction: a parameter of LSTMClassifier that the task sets itself (from seed or its "
                   "own settings); expected one of: batch_size, class_weight", inputs=[path], run_dir=tmp_path / "run")
    with pytest.raises(ConfigError, match="model.params.validation_fraction: a parameter of LSTMRandomForestClassifier that the task"):
        build("minectl.models.hybrid.LSTMRandomForestClassifier", {"validation_fraction": 0.3}, "model", MODEL_SET_BY_TASK)
    # near misses: a setting the model reads, and the misspelt key (unknown, as before)
    assert build(LSTM, {"patience": 3}, "model", MODEL_SET_BY_TASK).patience == 3
    with pytest.raises(ConfigError, match=re.escape("model.params.validation_fractio: unknown parameter of LSTMClassifier")):
        build(LSTM, {"validation_fractio": 0.3}, "model", MODEL_SET_BY_TASK)


# ------------------------------------------------------------ a saved spec naming a column twice

@pytest.mark.parametrize(("change", "expect"), [
    ({"dynamic": ["x", "x"]}, "'dynamic' is list ['x', 'x']; expected 'dynamic' as a list of distinct column names"),
    ({"static": ["x"]}, "'static' is list ['x']; expected 'static' as a list of distinct column names, none of them in 'dynamic'"),
], ids=["dynamic-twice", "static-also-dynamic"])
def test_a_spec_naming_a_column_twice_is_refused(change, expect, trained, tmp_path):
    _, run = trained
    copy = Path(shutil.copytree(run, tmp_path / "copy"))
    spec = json.loads((copy / "risk_model.json").read_text()) | change
    (copy / "risk_model.json").write_text(json.dumps(spec))
    with pytest.raises(DataError, match=re.escape(expect)):
        read_spec(copy / "risk_model.json")
    # before: ValueError: operands could not be broadcast together with shapes (118,3) (6,)
    assert_refused(["risk", "predict", copy, f"out={tmp_path / 'p.parquet'}"], expect, inputs=[copy])
    assert read_spec(run / "risk_model.json")["dynamic"] == ["x", "y"]  # the run's own spec reads


# ------------------------------------------------------------ a rule on a flat baseline

def test_a_jump_from_a_flat_baseline_scores_the_rule_s_points():
    downtime = np.array([0.0] * 10 + [6.0, 0.0, 0.0])
    # before: [0] * 13: the 30-day sd of zeros is 0, and 6 h / 0 read as no deviation at all
    levels = rule_levels(downtime, LabelRule("downtime_h", medium=1.0, high=2.5), baseline_days=5)
    assert levels.tolist() == [0] * 10 + [2, 0, 0]  # after it: past [0,0,0,0,6] mean 1.2 sd 2.68, 0 h is below: 0
    falling = rule_levels(np.array([5.0] * 6 + [1.0]), LabelRule("t", 1.0, 2.0, direction="down"), 5)
    assert falling.tolist() == [0] * 6 + [2]
    # near misses: a flat column that stays flat, or moves against the rule's direction, scores nothing
    assert rule_levels(np.full(8, 3.0), LabelRule("k"), 5).tolist() == [0] * 8
    assert rule_levels(np.array([5.0] * 6 + [1.0]), LabelRule("t", 1.0, 2.0, direction="up"), 5).tolist() == [0] * 7
    # a baseline with spread keeps its figures: past [10, 12, 14] mean 12 sd 2, (15 - 12) / 2 = 1.5 -> 1
    assert rule_levels(np.array([10.0, 12, 14, 15]), LabelRule("x", 1.0, 2.0), 3)[3] == 1
    frame = pl.DataFrame({"downtime_h": downtime, "cost": np.ones(13)})
    labels = rule_labels(frame, [LabelRule("downtime_h", 1.0, 2.5), LabelRule("cost", 1.0, 2.0)], 5, 1, 2)
    assert labels.tolist() == [0] * 10 + [2, 0, 0]


# ------------------------------------------------------------ predict: a repeated time offers what predict takes

def test_predict_of_a_repeated_time_offers_no_risk_time_key(tmp_path):
    import datetime as dt

    stamps = [dt.datetime(2024, 1, 1) + dt.timedelta(hours=h) for h in range(SHIFTS.height)]
    timed = SHIFTS.with_columns(pl.Series("ts", stamps))
    timed.write_csv(tmp_path / "ts.csv")
    result = invoke("risk", *KEYS, f"risk.input.path={tmp_path / 'ts.csv'}", "risk.time.column=ts", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    repeated = tmp_path / "repeated.csv"
    pl.concat([timed.head(60), timed.slice(59, 61)]).write_csv(repeated)
    # before: "... (aggregate or drop duplicates first, or risk.time.repeated=mean)"
    line = assert_refused(["risk", "predict", tmp_path / "run", f"risk.input.path={repeated}", f"out={tmp_path / 'p.parquet'}"],
                          "time column 'ts' repeats 2024-01-03 11:00:00 (2 rows share a time); expected one row per time "
                          "(aggregate or drop duplicates first: the saved model reads one row per time)",
                          inputs=[repeated, tmp_path / "run"])
    assert "risk.time" not in line
    # the run itself still offers the merge it can do
    assert_refused(["risk", *KEYS, f"risk.input.path={repeated}", "risk.time.column=ts"],
                   "(aggregate or drop duplicates first, or risk.time.repeated=mean)")


# ------------------------------------------------------------ predict: overrides go to the node the run read

@pytest.mark.parametrize(("kind", "item", "expect"), [
    ("table", "data.path=new.csv", "override 'data.path=new.csv'; expected risk.input.<key>=... other than kind (the run read "
                                   "a table file) or out=FILE"),
    ("table", "risk.input.kind=mine", "override 'risk.input.kind=mine'; expected risk.input.<key>=... other than kind"),
    ("mine", "risk.input.synthetic.seed=7", "override 'risk.input.synthetic.seed=7'; expected data.<key>=... (the run read "
                                            "the mine data) or out=FILE"),
    ("mine", "model.name=lr", "expected data.<key>=..."),
], ids=["data-on-table", "kind-on-table", "input-on-mine", "model"])
def test_predict_overrides_name_the_node_the_run_read(kind, item, expect, tmp_path):
    from types import SimpleNamespace

    from omegaconf import OmegaConf

    from minectl.tasks.risk import predict_cli

    run = SimpleNamespace(dir=tmp_path, config=OmegaConf.create({"risk": {"input": {"kind": kind}}}))
    with pytest.raises(ConfigError, match=re.escape(expect)) as refused:
        predict_cli(run, [item, f"out={tmp_path / 'p.parquet'}"])
    assert str(refused.value).startswith(f"risk predict: override {item!r}; expected ")


@pytest.fixture(scope="module")
def mine_run(tmp_path_factory) -> Path:
    """A quick risk run on the embedded synthetic mine."""
    run = tmp_path_factory.mktemp("mine") / "run"
    result = invoke("risk", *QUICK_RISK, "report=false", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return run


def test_predict_checks_the_data_keys_as_a_run_does(mine_run, tmp_path):
    out = tmp_path / "p.parquet"
    # before: "mines: expected an integer >= 1, got 0", the loader's own name for it
    assert_refused(["risk", "predict", mine_run, "data.synthetic.mines=0", f"out={out}"],
                   "data.synthetic.mines=0 is out of range; expected an integer >= 1", inputs=[mine_run])
    assert_refused(["risk", "predict", mine_run, "data.synthetic.seed=-3", f"out={out}"],
                   "data.synthetic.seed=-3 is out of range; expected an integer >= 0")
    # near miss: another seed's mine scores (every day with a full window)
    result = invoke("risk", "predict", mine_run, "data.synthetic.seed=7", f"out={out}")
    assert result.exit_code == 0, result.output
    scores = pl.read_parquet(out)
    assert scores.height > 0 and scores["score"].is_between(0, 1).all()


# ------------------------------------------------------------ a boolean for a lead time

@pytest.mark.parametrize(("keys", "expect"), [
    (["risk.lead_times=[true]"], "risk.lead_times[0]=true: a boolean; expected an integer number of periods or an amount like "
                                 "6h, 1d, 3shift"),
    (["risk.lead_times=[0,false]"], "risk.lead_times[1]=false: a boolean"),
    (["risk.primary_lead=true"], "risk.primary_lead=true: a boolean"),
], ids=["only", "second", "primary"])
def test_a_boolean_lead_time_is_refused_as_one(keys, expect, trained, tmp_path):
    path, _ = trained
    # before: "risk.primary_lead: 0 is not one of risk.lead_times [True]"; [0, false] failed after the data were read
    assert_refused(["risk", *KEYS, f"risk.input.path={path}", *keys, f"hydra.run.dir={tmp_path / 'run'}"], expect,
                   inputs=[path], run_dir=tmp_path / "run")


def test_integer_lead_times_one_and_zero_pass_the_check(trained):
    from omegaconf import OmegaConf

    from minectl.tasks.risk import Config, check

    cfg = OmegaConf.structured(Config)  # near miss: 1 and 0, the integers true and false would have counted as
    cfg.risk.input.kind, cfg.risk.input.path, cfg.risk.labels.column = "table", str(trained[0]), "class"
    cfg.risk.lead_times, cfg.risk.primary_lead = [0, 1], 1
    check(cfg)


# ------------------------------------------------------------ class weights by level

def _checked_weights(path: Path, target: str, weights: dict, levels: int = 2) -> None:
    from omegaconf import OmegaConf

    from minectl.tasks.risk import Config, ModelConfig, check

    cfg = OmegaConf.structured(Config)
    cfg.risk.input.kind, cfg.risk.input.path, cfg.risk.labels.column, cfg.risk.labels.levels = "table", str(path), "class", levels
    cfg.model = OmegaConf.merge(OmegaConf.structured(ModelConfig), {"name": "m", "_target_": target,
                                                                     "params": {"class_weight": weights}})
    check(cfg)


@pytest.mark.parametrize(("weights", "expect"), [
    ({0: 1, 3: 5}, "model.params.class_weight: key 3 is not a level; expected the levels as keys: 0 (low), 1 (high)"),
    ({"high": 5}, "model.params.class_weight: key 'high' is not a level"),
    ({0: 1, 1: -5}, "model.params.class_weight.1=-5; expected a finite weight > 0"),
    ({0: 1, 1: float("nan")}, "model.params.class_weight.1=nan; expected a finite weight > 0"),
    ({0: True, 1: 2}, "model.params.class_weight.0=true; expected a finite weight > 0"),
], ids=["no-level", "a-name", "negative", "nan", "boolean"])
def test_class_weights_name_the_levels(weights, expect, trained):
    with pytest.raises(ConfigError, match=re.escape(expect)):
        _checked_weights(trained[0], "sklearn.ensemble.RandomForestClassifier", weights)


def test_class_weights_of_other_levels_are_refused_before_the_work(trained, tmp_path):
    path, _ = trained
    # before: "ValueError: The classes, [1], are not in class_weight", a traceback after the data were read
    assert_refused(["risk", *KEYS, f"risk.input.path={path}", "model=rf", "model.params.class_weight={0:1,3:5}",
                    f"hydra.run.dir={tmp_path / 'run'}"], "model.params.class_weight: key 3 is not a level", inputs=[path],
                   run_dir=tmp_path / "run")
    # near misses: a weight for some levels only, or for each of three, pass; and 'balanced' as before
    _checked_weights(path, "sklearn.ensemble.RandomForestClassifier", {1: 5})
    _checked_weights(path, "minectl.models.sequence.LSTMClassifier", {0: 1, 1: 2.5, 2: 4}, levels=3)
    _checked_weights(path, "sklearn.linear_model.LogisticRegression", "balanced")


# ------------------------------------------------------------ predict: the format out= names

def test_predict_writes_the_format_out_names(trained, tmp_path):
    path, run = trained
    parquet = _predict(run, path, tmp_path / "scores.parquet")
    # before: parquet bytes ('PAR1') in scores.csv
    as_csv = invoke("risk", "predict", run, f"risk.input.path={path}", f"out={tmp_path / 'scores.csv'}")
    assert as_csv.exit_code == 0, as_csv.output
    assert not (tmp_path / "scores.csv").read_bytes().startswith(b"PAR1")
    table = pl.read_csv(tmp_path / "scores.csv")
    assert table.columns == parquet.columns and table["step"].to_list() == parquet["step"].to_list()
    assert np.allclose(table["p_high"].to_numpy(), parquet["p_high"].to_numpy(), rtol=1e-12)
    assert_refused(["risk", "predict", run, f"out={tmp_path / 'scores.xlsx'}"],
                   f"risk predict: out={tmp_path / 'scores.xlsx'}: a .xlsx file; expected a .parquet or .csv file path",
                   inputs=[run])
    assert not (tmp_path / "scores.xlsx").exists()


def test_a_primary_lead_spelt_otherwise_is_that_lead(tmp_path):
    """risk.primary_lead=24h with risk.lead_times=[0,1d] was refused as "24h is not one of risk.lead_times" (text
    compared): it is the 1d lead, whose fits the test.* metrics are (on daily rows, not lead 0's)."""
    assert lead_index([0, "1d"], "24h", 8.0) == 1 and lead_index([0, "1d"], "1D", 8.0) == 1
    assert lead_index(["16h"], "2shift", 8.0) == 0 and lead_index(["16h"], "2shift", 12.0) is None
    assert lead_index([0, "1d"], "12h", 8.0) is None and lead_index(["1mo"], "30d", 8.0) is None  # a month has no fixed length
    assert lead_index([3, "3d"], 3, 8.0) == 0  # periods are no amount: 3 is the first entry, whatever the rows' period
    run = tmp_path / "run"
    result = invoke("risk", *QUICK_RISK, "report=false", "risk.lead_times=[0,1d]", "risk.primary_lead=24h", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["test.f1_macro"] == metrics["lead_1d.f1_macro"] != metrics["lead_0.f1_macro"]
    assert_refused(["risk", *QUICK_RISK, "risk.lead_times=[0,1d]", "risk.primary_lead=12h", f"hydra.run.dir={tmp_path / 'no'}"],
                   "risk.primary_lead: 12h is not one of risk.lead_times [0, '1d']")
