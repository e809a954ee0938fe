"""The loop's surrogates saved in a run folder (models/<role>/, safe formats) and loaded by a
later run: the same figures as the run that saved them, predictions from the saved models (not
refitted), the files recorded as inputs, and an untrusted folder refused in one line."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression

from minectl.models.safe_io import load_estimator, save_estimator
from minectl.results import compare_metrics
from minectl.schedule.blockmodel import generate
from minectl.schedule.loop import FEATURES, Surrogates, estimate, load_surrogates
from tests.badinput.harness import assert_refused
from tests.conftest import read_metrics

QUICK = ("schedule", "debug=quick", "schedule.problems=[]")  # the loop alone, on the 10 x 10 x 5 model


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    """A quick run that fitted its surrogates (and saved them)."""
    from typer.testing import CliRunner

    from minectl.cli import app

    run = tmp_path_factory.mktemp("fitted")
    result = CliRunner().invoke(app, [*QUICK, f"hydra.run.dir={run}"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return run


def test_every_run_saves_its_fitted_surrogates(saved):
    assert sorted(p.name for p in (saved / "models").iterdir()) == ["burst", "dilution", "grade", "heat"]
    for role, cls in (("grade", "LinearRegression"), ("dilution", "HistGradientBoostingRegressor"), ("burst", "LogisticRegression"),
                      ("heat", "RandomForestRegressor")):
        meta = json.loads((saved / "models" / role / "model.json").read_text())
        assert meta["kind"] == "sklearn" and meta["n_features"] == len(FEATURES[role]) == len(meta["features"])
        assert type(load_estimator(saved / "models" / role / "estimator")).__name__ == cls
    assert not list(saved.rglob("*.pkl")) and not list(saved.rglob("*.tmp"))


def test_a_run_loading_them_reproduces_the_run_that_saved_them(saved, cli, tmp_path):
    result = cli(*QUICK, f"loop.surrogates_from={saved}", f"hydra.run.dir={tmp_path}")
    assert result.exit_code == 0, result.output
    assert (f"loop: surrogates loaded from {saved}, not fitted: grade LinearRegression, dilution "
            "HistGradientBoostingRegressor, burst LogisticRegression, heat RandomForestRegressor") in " ".join(result.output.split())
    first, second = read_metrics(saved), read_metrics(tmp_path)
    assert first["schedule.loop.time_limited"] == 0 and compare_metrics(first, second) == []  # every figure but the clock's
    assert pl.read_parquet(saved / "tables/loop_blocks.parquet").equals(pl.read_parquet(tmp_path / "tables/loop_blocks.parquet"))
    inputs = json.loads((tmp_path / "provenance.json").read_text())["inputs"]
    files = sorted(p for p in (saved / "models").rglob("*") if p.is_file())
    assert inputs == {str(p.resolve()): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    # the loaded run saves the models it used, unchanged
    for role in ("grade", "dilution", "burst", "heat"):
        for name in ("model.json", "estimator.json"):
            assert (tmp_path / "models" / role / name).read_text() == (saved / "models" / role / name).read_text()


def test_loaded_surrogates_predict_and_are_not_refitted(saved):
    model = generate(seed=7, nx=8, ny=8, nz=4)  # another model: a refit would change the estimates
    geo = model.features()[:, 3:5]
    _, loaded, errors = estimate(model, 10, 60, 7, load_surrogates(saved))
    dilution, burst, heat = (load_estimator(saved / "models" / role / "estimator") for role in ("dilution", "burst", "heat"))
    assert np.array_equal(loaded.dilution, np.clip(dilution.predict(geo), 0, None))
    assert np.array_equal(loaded.burst, burst.predict_proba(geo)[:, 1])
    predicted = heat.predict(model.features()[:, [0, 1, 3]])  # x, y, depth; the logged blocks keep their reading
    assert np.sum(loaded.temperature != predicted) == errors["drill_samples"]
    fresh = Surrogates(LinearRegression(), HistGradientBoostingRegressor(max_iter=100, learning_rate=0.05, early_stopping=False,
                                                                         random_state=7), LogisticRegression())
    _, fitted, _ = estimate(model, 10, 60, 7, fresh)
    assert not np.array_equal(fitted.dilution, loaded.dilution) and not np.array_equal(fitted.burst, loaded.burst)


def test_every_supported_surrogate_round_trips_bit_identical(tmp_path):
    """Random forests and a LightGBM burst classifier (its booster's text) through save_surrogates /
    load_surrogates: the loaded ones predict exactly what the fitted ones did."""
    from sklearn.ensemble import RandomForestRegressor

    from minectl.models.boosting import LightGBMClassifier
    from minectl.schedule.loop import save_surrogates

    rng = np.random.default_rng(3)
    X4, X2, X3 = rng.normal(size=(200, 4)), rng.normal(size=(200, 2)), rng.normal(size=(200, 3))
    fitted = Surrogates(RandomForestRegressor(n_estimators=5, random_state=0).fit(X4, X4[:, 0] + rng.normal(size=200)),
                        RandomForestRegressor(n_estimators=5, random_state=0).fit(X2, X2[:, 1] ** 2),
                        LightGBMClassifier(n_estimators=20, random_state=0).fit(X2, X2[:, 0] + rng.normal(size=200) > 1),
                        LinearRegression().fit(X3, X3 @ [0.1, -0.2, 0.75] + 45))
    assert save_surrogates(fitted, tmp_path) == {}
    assert sorted(p.name for p in (tmp_path / "models/burst").iterdir()) == ["lightgbm.txt", "model.json"]
    loaded = load_surrogates(tmp_path)
    assert loaded.loaded_from == tmp_path and loaded.burst.fit(X2, np.zeros(200)) is loaded.burst  # fit changes nothing
    assert np.array_equal(loaded.grade.predict(X4), fitted.grade.predict(X4))
    assert np.array_equal(loaded.dilution.predict(X2), fitted.dilution.predict(X2))
    assert np.array_equal(loaded.burst.predict_proba(X2), fitted.burst.predict_proba(X2))
    assert np.array_equal(loaded.heat.predict(X3), fitted.heat.predict(X3))


def test_a_surrogate_with_no_safe_format_is_left_out(tmp_path):
    from sklearn.ensemble import GradientBoostingRegressor

    from minectl.schedule.loop import save_surrogates

    rng = np.random.default_rng(3)
    X4, X2 = rng.normal(size=(50, 4)), rng.normal(size=(50, 2))
    surrogates = Surrogates(LinearRegression().fit(X4, X4[:, 0]), GradientBoostingRegressor(n_estimators=3).fit(X2, X2[:, 0]),
                            LogisticRegression())  # never fitted: a history of one outcome
    assert save_surrogates(surrogates, tmp_path) == {
        "dilution": "cannot save an object of type sklearn.ensemble._gb.GradientBoostingRegressor safely",
        "burst": "not fitted: the stope history had one outcome"}
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["grade"]


def _refused(folder: Path, tmp_path: Path, expect: str) -> None:
    run = tmp_path / "refused"
    assert_refused([*QUICK, f"loop.surrogates_from={folder}", f"hydra.run.dir={run}"], expect,
                   inputs=[folder] if folder.exists() else [], run_dir=run)


def test_an_untrusted_folder_is_refused_in_one_line(saved, tmp_path):
    _refused(tmp_path / "nowhere", tmp_path, "nowhere: not found; expected a folder")  # the pre-check's words
    copy = tmp_path / "copy"
    shutil.copytree(saved / "models", copy / "models")
    grade = copy / "models/grade/estimator.json"
    grade.write_text(grade.read_text().replace("sklearn.linear_model._base.LinearRegression", "subprocess.Popen"))
    _refused(copy, tmp_path, "estimator.json: class 'subprocess.Popen' is not in minectl's allow-list")
    rng = np.random.default_rng(0)
    save_estimator(LinearRegression().fit(rng.normal(size=(20, 3)), rng.normal(size=20)), copy / "models/grade/estimator")
    _refused(copy, tmp_path, "models/grade: the model takes 3 inputs; expected 4 for the grade surrogate "
                             "(depth, rock_quality, proxy, log_inverse_distance)")
    save_estimator(LogisticRegression().fit(rng.normal(size=(20, 4)), np.arange(20) % 2), copy / "models/grade/estimator")
    _refused(copy, tmp_path, "models/grade: LogisticRegression is not a regressor; expected a regressor for the grade surrogate")
    shutil.copytree(saved / "models/grade", copy / "models/grade", dirs_exist_ok=True)
    coef = next(v["__array__"] for k, v in json.loads(grade.read_text())["state"]["__dict__"] if k == "coef_")
    with np.load(copy / "models/grade/estimator.npz") as npz:
        arrays = {k: npz[k][:3] if k == coef else npz[k] for k in npz.files}
    np.savez(copy / "models/grade/estimator.npz", **arrays)  # the json still says 4 inputs
    _refused(copy, tmp_path, "models/grade: the model cannot predict (ValueError); expected the grade surrogate")
    shutil.copytree(saved / "models/grade", copy / "models/grade", dirs_exist_ok=True)
    save_estimator(LinearRegression().fit(rng.normal(size=(20, 2)), rng.normal(size=20)), copy / "models/burst/estimator")
    _refused(copy, tmp_path, "models/burst: LinearRegression is not a classifier with predict_proba; expected a classifier")
    shutil.copytree(saved / "models/burst", copy / "models/burst", dirs_exist_ok=True)
    (copy / "models/dilution/estimator.npz").write_bytes(b"PK\x03\x04 not a zip")
    _refused(copy, tmp_path, "models/dilution: cannot rebuild the model (BadZipFile")
    (copy / "models/dilution/model.json").write_text('{"kind": "pickle"}')
    _refused(copy, tmp_path, "models/dilution/model.json: 'kind' is str 'pickle'; expected 'kind' as sklearn or lightgbm")


def test_a_saved_model_with_nan_weights_or_other_inputs_is_refused(saved, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(saved / "models", copy / "models")
    grade = copy / "models/grade"
    coef = next(v["__array__"] for k, v in json.loads((grade / "estimator.json").read_text())["state"]["__dict__"] if k == "coef_")
    with np.load(grade / "estimator.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays[coef][0] = np.nan  # a linear model predicts NaN for every block: once a schedule on NaN values
    np.savez(grade / "estimator.npz", **arrays)
    _refused(copy, tmp_path, "models/grade: the model predicts a non-finite value for a row of zeros")
    shutil.copytree(saved / "models/grade", grade, dirs_exist_ok=True)
    meta = json.loads((grade / "model.json").read_text())
    meta["features"][2] = "magnetics"  # the same count of inputs, another meaning: once read as the proxy
    (grade / "model.json").write_text(json.dumps(meta))
    _refused(copy, tmp_path, "models/grade/model.json: 'features' is list")


def test_the_surrogates_of_a_run_stopped_before_its_end_are_refused(saved, tmp_path):
    """SIGKILL (the out-of-memory killer) leaves models/ without status.json: a run that never ended."""
    copy = Path(shutil.copytree(saved, tmp_path / "killed"))
    (copy / "status.json").unlink()
    _refused(copy, tmp_path, "killed/status.json: missing: the run did not finish (stopped, killed, or still running)")
    (copy / "status.json").write_text(json.dumps({"status": "failed", "error": "stopped by SIGTERM before the job finished"}))
    _refused(copy, tmp_path, "killed/status.json: the run failed (stopped by SIGTERM before the job finished)")


def test_a_surrogate_file_from_another_fit_is_refused_by_its_sha256(saved, tmp_path):
    """A grade model of the same class and inputs fitted elsewhere passes every other check and
    would plan on other grades, silently: model.json records each file's sha256."""
    copy = tmp_path / "copy"
    shutil.copytree(saved / "models", copy / "models")
    meta = json.loads((copy / "models/grade/model.json").read_text())
    assert sorted(meta["files_sha256"]) == ["estimator.json", "estimator.npz"]
    rng = np.random.default_rng(1)
    save_estimator(LinearRegression().fit(rng.normal(size=(30, 4)), rng.normal(size=30)), copy / "models/grade/estimator")
    _refused(copy, tmp_path, "models/grade/estimator.json: not the file the run saved (its sha256 differs from model.json's)")
