"""`minectl risk` end to end through the CLI: metrics, baselines, saved model, predict, errors."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from conftest import read_metrics

from minectl.tasks.risk import predict

SMALL = ["debug=quick"]  # conf/debug/risk: 1 year, a 7-day window, leads 0 and 2, a small model
RF = ["model=rf"]  # 40 trees under debug=quick


@pytest.fixture(scope="module")
def rf_run(tmp_path_factory):
    from typer.testing import CliRunner

    from minectl.cli import app

    run_dir = tmp_path_factory.mktemp("risk") / "run"
    result = CliRunner().invoke(app, ["risk", *SMALL, *RF, f"hydra.run.dir={run_dir}"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return run_dir


def test_metrics_keys_and_consistency_with_predictions(rf_run):
    m = read_metrics(rf_run)
    for key in ("test.accuracy", "test.f1_macro", "test.auc", "test.recall.high", "lead_0.f1_macro",
                "lead_2.f1_macro", "baseline.majority.accuracy", "baseline.persistence.f1_macro",
                "robust.mask.delta_f1_macro", "robust.noise.delta_accuracy", "robust.fewer_low.recall_high"):
        assert key in m, key
    assert 0 < m["thresholds.theta1"] < m["thresholds.theta2"] < 1
    pred = pl.read_parquet(rf_run / "tables" / "predictions.parquet")
    lead0 = pred.filter(pl.col("lead") == 0)
    assert lead0.height == m["samples.test"]
    assert m["test.accuracy"] == pytest.approx((lead0["level"] == lead0["y_true"]).mean())
    assert m["baseline.majority.accuracy"] == pytest.approx((lead0["majority"] == lead0["y_true"]).mean())
    # eq 11 on the saved scores reproduces the levels
    thetas = [m["thresholds.theta1"], m["thresholds.theta2"]]
    np.testing.assert_array_equal(np.searchsorted(thetas, lead0["score"].to_numpy(), side="right"), lead0["level"])
    confusion = pl.read_parquet(rf_run / "tables" / "confusion.parquet")
    assert confusion.select(pl.exclude("true")).sum_horizontal().sum() == m["samples.test"]
    assert pl.read_parquet(rf_run / "tables" / "importance.parquet").height == m["data.indicators"] + m["data.static"]
    assert (rf_run / "plots" / "importance.png").exists()
    assert not list(rf_run.rglob("*.tmp"))


def test_test_part_is_the_latest_days(rf_run):
    pred = pl.read_parquet(rf_run / "tables" / "predictions.parquet").filter(pl.col("lead") == 0)
    scored = predict(rf_run)
    first_test_day = pred["date"].min()
    n_after = scored.filter(pl.col("date") >= first_test_day).height
    assert n_after == pred.height  # the test part is exactly the last days with a full window


def test_predict_reproduces_the_runs_test_levels(rf_run):
    pred = pl.read_parquet(rf_run / "tables" / "predictions.parquet").filter(pl.col("lead") == 0)
    scored = predict(rf_run).join(pred.select("date", "level", "score"), on="date", suffix="_run")
    assert scored.height == pred.height
    np.testing.assert_array_equal(scored["level"], scored["level_run"])
    np.testing.assert_allclose(scored["score"], scored["score_run"])
    assert set(scored["risk"].unique()) <= {"low", "medium", "high"}


def test_predict_cli_scores_other_data(cli, rf_run, tmp_path):
    out = tmp_path / "scores.parquet"
    result = cli("risk", "predict", str(rf_run), "data.synthetic.seed=7", f"out={out}")
    assert result.exit_code == 0, result.output
    scores = pl.read_parquet(out)
    own = predict(rf_run)
    assert scores.height == own.height and not np.array_equal(scores["score"], own["score"])
    bad = cli("risk", "predict", str(rf_run), "model.name=lr")
    assert bad.exit_code == 2 and "expected data.<key>" in bad.output
    missing = cli("risk", "predict", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and "nowhere: missing; expected a minectl run folder" in missing.output


def test_a_refused_predict_leaves_no_output_folder(cli, rf_run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default out= is a new folder outputs/risk_predict/DATE/TIME here
    assert cli("risk", "predict", str(rf_run), "model.name=lr").exit_code == 2
    assert list(tmp_path.glob("outputs/risk_predict/*/*")) == []
    assert cli("risk", "predict", str(rf_run)).exit_code == 0  # and a run that succeeds keeps its folder
    assert [p.name for p in tmp_path.glob("outputs/risk_predict/*/*/*")] == ["predictions.parquet"]


@pytest.mark.parametrize(
    "override, message",
    [
        ("data.synthetic.seed=x", "risk predict: Value 'x' of type 'str' could not be converted to Integer"),
        ("data.synthetic.nope=1", "risk predict: synthetic.nope: unknown key; expected one of: meters_per_activity, mines, "),
        ("out={blocker}/scores.parquet", "risk predict: out={blocker}/scores.parquet: cannot write there ("),
    ],
)
def test_predict_cli_bad_overrides_fail_in_one_line(cli, rf_run, tmp_path, override, message):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    result = cli("risk", "predict", str(rf_run), override.format(blocker=blocker))
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert lines[0].startswith("error: " + message.format(blocker=blocker)), result.output


def test_hybrid_run_is_reproducible(cli, tmp_path):
    args = ["risk", *SMALL, "model=lstm_rf", "risk.lead_times=[1]", "risk.primary_lead=1",
            "risk.robustness.enabled=false", "risk.importance.enabled=false"]
    first = cli(*args, f"hydra.run.dir={tmp_path / 'a'}")
    assert first.exit_code == 0, first.output
    assert cli(*args, f"hydra.run.dir={tmp_path / 'b'}").exit_code == 0
    assert read_metrics(tmp_path / "a") == read_metrics(tmp_path / "b")
    assert json.loads((tmp_path / "a" / "model" / "model.json").read_text())["kind"] == "lstm_rf"


def test_rule_labels_and_fixed_thresholds(cli, tmp_path):
    result = cli("risk", *SMALL, *RF, "risk/labels=rules", "risk/thresholds=fixed", "risk.lead_times=[0]",
                 "risk.robustness.enabled=false", "risk.importance.enabled=false", f"hydra.run.dir={tmp_path}")
    assert result.exit_code == 0, result.output
    m = read_metrics(tmp_path)
    assert (m["thresholds.theta1"], m["thresholds.theta2"]) == (0.33, 0.67)
    assert m["class_share.high"] > 0


def test_seismic_bumps_binary(cli, tmp_path):
    result = cli("risk", "+experiment=seismic_bumps", "model=lr", "risk.importance.n_repeats=1",
                 "risk.robustness.enabled=false", f"hydra.run.dir={tmp_path}")
    assert result.exit_code == 0, result.output
    m = read_metrics(tmp_path)
    assert "thresholds.theta2" not in m and 0 < m["thresholds.theta1"] < 1
    assert m["samples.train"] + m["samples.val"] + m["samples.test"] == 2584 - 8 + 1
    assert m["class_share.high"] == pytest.approx(170 / 2584, abs=0.002)
    assert 0.0 <= m["test.recall.high"] <= 1.0 and "test.recall.medium" not in m


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["model=xgb"], "xgb"),
        (["model._target_=xgb.XGBClassifier"], "model._target_: 'xgb.XGBClassifier' is not allowed"),
        (["+model.params.n_trees=3"], "model.params.n_trees"),
        (["risk/thresholds=fixed", "risk.thresholds.values=[0.7,0.3]"], "theta1 < theta2"),
        (["risk.window=5000"], "risk.window: 5000"),
        (["risk.primary_lead=5"], "risk.primary_lead: 5"),
        (["risk.lead_times=[0,3,0]"], "risk.lead_times: 0 is given twice in [0, 3, 0]; expected each lead time once"),
        (["risk.lead_times=[0,1,1d]"], "risk.lead_times: 1 and 1d are the same lead time at this data's frequency (1d)"),
        (["risk.labels.levels=6"], "risk.labels.levels=6 is out of range; expected an integer in [2, 5]"),
        (["risk.labels.levels=4"], "column 'risk' never holds level 3 of 4"),
        (["risk.labels.source=rules"], "risk.labels.rules: empty"),
        (["risk/labels=rules", "risk.labels.rules.0.column=nope"], "column 'nope' not in the daily table"),
        (["risk.val_fraction=0.9"], "risk.val_fraction/risk.test_fraction: val (0.9) and test (0.2) fractions"),
        (["risk.input.kind=table"], "risk.input.path: not set"),
        (["risk.input.kind=table", "risk.input.path=/nope.arff"], "/nope.arff: not found"),
        (["risk.features.dynamic=[nope]"], "risk.features.dynamic: column 'nope'"),
    ],
)
def test_bad_configs_fail_in_one_line(cli, tmp_path, overrides, message):
    result = cli("risk", *SMALL, *RF, *overrides, f"hydra.run.dir={tmp_path}")
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_lstm_on_cuda_without_cuda_fails_in_one_line(cli, tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("checks the error on a machine without CUDA")
    result = cli("risk", *SMALL, "model=lstm", "model.params.device=cuda", f"hydra.run.dir={tmp_path}")
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert lines == ["error: model.params.device: cuda requested but no CUDA device is available; use auto or cpu"]
