"""Saved run folders and sweep folders are untrusted input; runs never share a folder; secrets.

Each damaged-folder case copies one real run (made once per module) and damages the copy:
`verify`, `risk predict` and `summarize` must end in one line naming the file and what was
expected, exit 2, never a traceback and never an unpickle (a planted pickle would create a
marker file when unpickled).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused, every_file_text, invoke

from minectl.redaction import redact
from minectl.results import is_timing

RISK = ["debug=quick", "risk.lead_times=[0]", "risk.robustness.enabled=false", "risk.importance.enabled=false", "model=lr"]


class Exploit:
    """Unpickling it creates the marker file: the proof that something was unpickled."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, "w")


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One demo run (on a tiny mine), one risk run and one two-job sweep, made once."""
    root = tmp_path_factory.mktemp("made")
    mine = write_tiny_mine(root / "mine")
    runs = {"demo": root / "demo", "risk": root / "risk", "sweep": root / "sweep"}
    assert invoke("demo", "data=parquet_dir", f"data.dir={mine}", f"hydra.run.dir={runs['demo']}").exit_code == 0
    result = invoke("risk", *RISK, f"hydra.run.dir={runs['risk']}")
    assert result.exit_code == 0, result.output
    result = invoke("demo", "-m", "data=parquet_dir", f"data.dir={mine}", "seed=0,1", f"hydra.sweep.dir={runs['sweep']}")
    assert result.exit_code == 0, result.output
    return runs | {"mine": mine}


def copy_of(made, name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(made[name], tmp_path / name))


# ---------------------------------------------------------------------------- damages


def write(text: str):
    return lambda path, marker: path.write_text(text)


def truncate(path: Path, marker: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def plant_pickle(path: Path, marker: Path) -> None:
    path.write_bytes(pickle.dumps(Exploit(marker)))


def remove(path: Path, marker: Path) -> None:
    shutil.rmtree(path) if path.is_dir() else path.unlink()


def edit_json(change):
    def damage(path: Path, marker: Path) -> None:
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))

    return damage


def plant_object_npz(path: Path, marker: Path) -> None:
    import numpy as np

    with open(path, "wb") as handle:
        np.savez(handle, a0=np.array([Exploit(marker)], dtype=object))


def torch_pickle(path: Path, marker: Path) -> None:  # model.json of an LSTM, lstm.pt a pickle
    meta = json.loads(path.read_text())
    path.write_text(json.dumps(meta | {"kind": "lstm", "params": {}, "n_dynamic": 1}))
    plant_pickle(path.parent / "lstm.pt", marker)


def other_task_config(made):
    return lambda path, marker: shutil.copy(made["demo"] / ".hydra" / "config.yaml", path)


def narrow_window(spec: dict) -> None:  # a consistent spec for another model than the saved one
    n = len(spec["dynamic"]) * (spec["window"] - 1) + len(spec["static"])
    spec.update(window=spec["window"] - 1, mean=spec["mean"][:n], sd=spec["sd"][:n])


VERIFY = [
    ("metrics.json", remove, "metrics.json: missing; expected a JSON object of metric name -> number"),
    ("metrics.json", truncate, "metrics.json: not valid JSON"),
    ("metrics.json", write("[1, 2]"), "the top level is list [1, 2]; expected a JSON object"),
    ("metrics.json", edit_json(lambda m: m.update({"cost.total": "2975"})), "metric 'cost.total' is str '2975'"),
    ("metrics.json", edit_json(lambda m: m.update({"cost.total": True})), "metric 'cost.total' is bool True"),
    ("metrics.json", edit_json(lambda m: m.update({"cost.total": None})), "metric 'cost.total' is NoneType"),
    ("metrics.json", write('{"cost.total": NaN}'), "metric 'cost.total' is float nan"),
    ("metrics.json", edit_json(lambda m: m.update({"cost.total": [1]})), "metric 'cost.total' is list"),
    ("metrics.json", plant_pickle, "metrics.json: binary data, not text"),
    (".hydra/config.yaml", remove, "config.yaml: missing; expected the YAML mapping of the run's config"),
    (".hydra/config.yaml", write("task_name: [demo\n"), "config.yaml: not valid YAML"),
    (".hydra/config.yaml", write("- demo\n"), "config.yaml: not a YAML mapping"),
    (".hydra/config.yaml", write(""), "config.yaml: not a YAML mapping"),
    (".hydra/config.yaml", write("task_name: nosuch\n"), "task_name is 'nosuch'; expected the folder of a minectl task run"),
    (".hydra/config.yaml", write("seed: 0\n"), "task_name is None"),
    (".hydra/config.yaml", write("task_name: [demo]\n"), "task_name is ['demo']"),
    (".hydra/config.yaml", plant_pickle, "config.yaml: binary data, not text"),
    (".hydra/config.yaml", write("task_name: !!python/object/apply:os.system [echo hi]\n"), "config.yaml: not valid YAML"),
    (".hydra/overrides.yaml", remove, "overrides.yaml: missing; expected a YAML list of override strings"),
    (".hydra/overrides.yaml", write("seed: 1\n"), "overrides.yaml: not a YAML list"),
    (".hydra/overrides.yaml", write("- 5\n"), "overrides.yaml: item 0 is int 5"),
    (".hydra/overrides.yaml", write("- seed=1\n- {a: 1}\n"), "overrides.yaml: item 1 is dict"),
    (".hydra/overrides.yaml", write("- [seed=1\n"), "overrides.yaml: not valid YAML"),
    (".hydra/overrides.yaml", plant_pickle, "overrides.yaml: binary data, not text"),
    (".hydra/hydra.yaml", remove, "hydra.yaml: missing"),
    (".hydra/hydra.yaml", write("hydra: 5\n"), "hydra.yaml: no 'hydra' mapping"),
    (".hydra/hydra.yaml", write("hydra:\n  runtime:\n    config_sources: 5\n"), "hydra.runtime.config_sources is not a list"),
    (".hydra/hydra.yaml", write("hydra:\n  runtime: {config_sources: [{path: 1}]}\n"), "config_sources is not a list of {path, provider}"),
    ("provenance.json", remove, "provenance.json: missing"),
    ("provenance.json", edit_json(lambda p: p.update(inputs=[])), "provenance.json: 'inputs' is list []; expected 'inputs' as an object of path -> sha256"),
    ("provenance.json", edit_json(lambda p: p.update(inputs={"a.parquet": "abc"})), "'inputs' is dict"),
    ("provenance.json", edit_json(lambda p: p.pop("packages")), "provenance.json: no 'packages'"),
    ("provenance.json", edit_json(lambda p: p.update(packages="numpy")), "'packages' is str 'numpy'"),
    ("provenance.json", edit_json(lambda p: p.update(cpu={"numpy": 3})), "'cpu' is dict"),
    ("provenance.json", write('{"inputs": {}'), "provenance.json: not valid JSON"),
    (".hydra", remove, "config.yaml: missing"),
    (".hydra/overrides.yaml", write("- seed=abc\n"), "seed=abc"),
    (".hydra/hydra.yaml", lambda path, marker: path.write_text(path.read_text().replace(
        "provider: main", "provider: main\n    - path: file:///nonexistent\n      provider: command-line\n      schema: file", 1)),
     "/nonexistent"),
]


@pytest.mark.parametrize("file, damage, expect", VERIFY, ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(VERIFY)])
def test_verify_refuses_a_damaged_run_folder(made, tmp_path, file, damage, expect):
    run = copy_of(made, "demo", tmp_path)
    marker = tmp_path / "unpickled"
    before = (run / file).read_bytes() if (run / file).is_file() else None
    damage(run / file, marker)
    assert (run / file).is_file() is False or (run / file).read_bytes() != before  # the damage took
    assert_refused(["verify", run], expect, inputs=[run])
    assert not marker.exists()


PREDICT = [
    ("risk_model.json", remove, "risk_model.json: missing; expected the JSON object `minectl risk` saves"),
    ("risk_model.json", truncate, "risk_model.json: not valid JSON"),
    ("risk_model.json", plant_pickle, "risk_model.json: binary data, not text"),
    ("risk_model.json", write("[]"), "risk_model.json: the top level is list []"),
    ("risk_model.json", edit_json(lambda s: s.update(window="7")), "'window' is str '7'; expected 'window' as an integer >= 1"),
    ("risk_model.json", edit_json(lambda s: s.update(window=0)), "'window' is int 0"),
    ("risk_model.json", edit_json(lambda s: s.update(n_levels=6)), "'n_levels' is int 6; expected 'n_levels' as 2 to 5"),
    ("risk_model.json", edit_json(lambda s: s.update(dynamic=[1, 2])), "'dynamic' is list [1, 2]"),
    ("risk_model.json", edit_json(lambda s: s.update(mean=s["mean"][:-1])), "'mean' is list"),
    ("risk_model.json", edit_json(lambda s: s.update(sd=["x"] * len(s["sd"]))), "'sd' is list"),
    ("risk_model.json", edit_json(lambda s: s.update(thresholds=[0.5, 0.2, 0.1])), "expected 'thresholds' as 2 numbers"),
    ("risk_model.json", edit_json(lambda s: s.pop("thresholds")), "risk_model.json: no 'thresholds'"),
    ("risk_model.json", edit_json(narrow_window), "the model takes"),
    ("model/model.json", remove, "model.json: no saved model here"),
    ("model/model.json", plant_pickle, "model/model.json: binary data, not text; expected the model.json of a risk run's model"),
    ("model/model.json", write('{"kind": "pickle"}'), "unknown model kind 'pickle'"),
    ("model/model.json", torch_pickle, "model: cannot rebuild the saved model (UnpicklingError: Weights only load failed"),
    ("model/estimator.npz", plant_object_npz, "Object arrays cannot be loaded when allow_pickle=False"),
    ("model/estimator.npz", plant_pickle, "(ValueError: This file contains pickled (object) data)"),
    ("model/estimator.json", edit_json(lambda t: t.update({"__object__": "subprocess.Popen"})), "class 'subprocess.Popen' is not in minectl's allow-list"),
    ("model/estimator.json", truncate, "model: cannot rebuild the saved model (JSONDecodeError"),
    ("model", remove, "model.json: no saved model here"),
    (".hydra/config.yaml", remove, "config.yaml: missing"),
    (".hydra/config.yaml", plant_pickle, "config.yaml: binary data, not text"),
    (".hydra/config.yaml", write("task_name: risk\nrisk: {torch_threads: soon}\n"), "config.yaml: Value 'soon' of type 'str' could not be converted to Integer; expected the config of a `minectl risk` run"),
    (".hydra/overrides.yaml", write("- 5\n"), "overrides.yaml: item 0 is int 5"),
    (".hydra/overrides.yaml", write("- +hydra.callbacks.x._target_=os.makedirs\n"), "sets Hydra's own config; expected task overrides only"),
    (".hydra/config.yaml", write("task_name: risk\nmodel: {params: {_target_: minectl.atomic.os.makedirs}}\n"),
     "config.yaml: model.params._target_: 'minectl.atomic.os.makedirs' is a function, not a class"),
]


@pytest.mark.parametrize("file, damage, expect", PREDICT, ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(PREDICT)])
def test_risk_predict_refuses_a_damaged_run_folder(made, tmp_path, file, damage, expect):
    run = copy_of(made, "risk", tmp_path)
    marker = tmp_path / "unpickled"
    damage(run / file, marker)
    assert_refused(["risk", "predict", run], expect, inputs=[run])
    assert not marker.exists() and not (run / "predictions.parquet").exists()


def test_risk_predict_refuses_a_folder_of_another_task(made, tmp_path):
    run = copy_of(made, "risk", tmp_path)
    other_task_config(made)(run / ".hydra" / "config.yaml", None)
    assert_refused(["risk", "predict", run], "config.yaml: task_name is 'demo'; expected the folder of a `minectl risk` run", inputs=[run])
    demo = copy_of(made, "demo", tmp_path)
    assert_refused(["risk", "predict", demo], "task_name is 'demo'", inputs=[demo])


SUMMARIZE = [
    ("1/status.json", truncate, "1/status.json: not valid JSON"),
    ("1/status.json", write('{"status": "great", "error": null}'), "'status' is str 'great'; expected 'status' as ok or failed"),
    ("1/status.json", write('{"status": "ok", "error": 5}'), "'error' is int 5"),
    ("1/status.json", write("[]"), "status.json: the top level is list []"),
    ("1/status.json", write('{"status": "ok", "error": null, "metrics_sha256": "abc"}'), "'metrics_sha256' is 'abc'; expected 'metrics_sha256' as 64 hex digits"),
    ("1/status.json", write('{"status": "ok", "error": null, "config_sha256": 7}'), "'config_sha256' is 7; expected 'config_sha256' as 64 hex digits"),
    ("1/status.json", plant_pickle, "status.json: binary data, not text"),
    ("0/metrics.json", edit_json(lambda m: m.update({"cost.total": "a lot"})), "0/metrics.json: metric 'cost.total' is str 'a lot'"),
    ("0/metrics.json", plant_pickle, "metrics.json: binary data, not text"),
    ("0/.hydra/overrides.yaml", write("seed: 1\n"), "0/.hydra/overrides.yaml: not a YAML list"),
    ("0/.hydra/overrides.yaml", write("- [x\n"), "overrides.yaml: not valid YAML"),
    ("multirun.yaml", write("hydra: [\n"), "multirun.yaml: not valid YAML"),
    ("multirun.yaml", write("hydra: {overrides: {task: seed=1}}\n"), "multirun.yaml: hydra.overrides.task is not a list of override strings"),
    ("multirun.yaml", write("- 1\n"), "multirun.yaml: not a YAML mapping"),
]


@pytest.mark.parametrize("file, damage, expect", SUMMARIZE, ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(SUMMARIZE)])
def test_summarize_refuses_a_damaged_sweep_folder(made, tmp_path, file, damage, expect):
    sweep = copy_of(made, "sweep", tmp_path)
    (sweep / "summary.parquet").unlink()
    marker = tmp_path / "unpickled"
    damage(sweep / file, marker)
    assert_refused(["summarize", sweep], expect, inputs=[sweep])  # inputs: also no summary.parquet
    assert not marker.exists()


def test_summarize_lists_jobs_that_never_started_and_exits_1(made, tmp_path):
    sweep = copy_of(made, "sweep", tmp_path)
    shutil.rmtree(sweep / "1")  # the sweep was killed before job 1 started
    result = invoke("summarize", sweep)
    assert result.exit_code == 1, result.output
    summary = pl.read_parquet(sweep / "summary.parquet")
    assert summary.select("job", "seed", "status").rows() == [("0", "0", "ok"), ("1", "1", "not started")]
    assert "job 1 not started: the sweep ended before this job started" in result.output


def test_summarize_flags_a_metrics_file_edited_after_the_job(made, tmp_path):
    sweep = copy_of(made, "sweep", tmp_path)
    metrics = json.loads((sweep / "1" / "metrics.json").read_text())
    key = next(iter(metrics))
    metrics[key] += 1.0  # a figure improved by hand: before, summarized as the job's own
    (sweep / "1" / "metrics.json").write_text(json.dumps(metrics))
    result = invoke("summarize", sweep)
    assert result.exit_code == 1, result.output
    assert pl.read_parquet(sweep / "summary.parquet")["status"].to_list() == ["ok", "edited"]
    assert "job 1 edited: metrics.json differs from the one the job wrote" in result.output


def test_summarize_flags_another_jobs_status_and_metrics_copied_in(made, tmp_path):
    # both files of job 0 (its figure edited and its sha256 written anew) put in job 1's folder:
    # metrics.json matches status.json's sha256, and was summarized as seed 1's own
    sweep = copy_of(made, "sweep", tmp_path)
    metrics = json.loads((sweep / "0" / "metrics.json").read_text())
    metrics["cost.total"] *= 2
    (sweep / "1" / "metrics.json").write_text(json.dumps(metrics))
    status = json.loads((sweep / "0" / "status.json").read_text())
    status["metrics_sha256"] = hashlib.sha256((sweep / "1" / "metrics.json").read_bytes()).hexdigest()
    (sweep / "1" / "status.json").write_text(json.dumps(status))
    result = invoke("summarize", sweep)
    assert result.exit_code == 1, result.output
    assert pl.read_parquet(sweep / "summary.parquet")["status"].to_list() == ["ok", "edited"]
    assert "job 1 edited: status.json and metrics.json were written for another config than the job's .hydra/config.yaml" \
        in " ".join(result.output.split())
    out = " ".join(invoke("verify", sweep / "1").output.split())
    assert "changed status.json and metrics.json: written for another config than .hydra/config.yaml" in out
    assert "differs cost.total" in out


def test_a_status_without_the_config_sha256_is_taken_as_an_earlier_versions(made, tmp_path):
    sweep = copy_of(made, "sweep", tmp_path)
    status = json.loads((sweep / "1" / "status.json").read_text())
    del status["config_sha256"]
    (sweep / "1" / "status.json").write_text(json.dumps(status))
    result = invoke("summarize", sweep)
    assert result.exit_code == 0, result.output


def test_verify_says_when_the_saved_metrics_were_edited(made, tmp_path):
    run = copy_of(made, "demo", tmp_path)
    metrics = json.loads((run / "metrics.json").read_text())
    key = next(k for k, v in metrics.items() if isinstance(v, float) and v != 0 and not is_timing(k))
    metrics[key] *= 2
    (run / "metrics.json").write_text(json.dumps(metrics))
    result = invoke("verify", run)
    assert result.exit_code == 1, result.output
    assert "changed metrics.json: not the file the run wrote (its sha256 differs from status.json's): edited since" in result.output
    assert f"differs {key}" in result.output


@pytest.mark.parametrize("status, code", [("ok", 0), ("failed", 1)])
def test_summarize_exits_0_only_when_every_job_is_ok(made, tmp_path, status, code):
    sweep = copy_of(made, "sweep", tmp_path)
    (sweep / "1" / "status.json").write_text(json.dumps({"status": status, "error": None if status == "ok" else "boom"}))
    result = invoke("summarize", sweep)
    assert result.exit_code == code, result.output
    assert pl.read_parquet(sweep / "summary.parquet")["status"].to_list() == ["ok", status]


def test_verify_names_the_inputs_and_packages_that_changed(made, tmp_path):
    mine = write_tiny_mine(tmp_path / "mine")
    run = tmp_path / "run"
    assert invoke("demo", "data=parquet_dir", f"data.dir={mine}", f"hydra.run.dir={run}").exit_code == 0
    assert invoke("verify", run).exit_code == 0
    production = pl.read_parquet(mine / "production.parquet")
    production.with_columns(pl.col("ore_t") * 2).write_parquet(mine / "production.parquet")
    provenance = json.loads((run / "provenance.json").read_text())
    provenance["packages"]["numpy"] = "0.0.1"
    (run / "provenance.json").write_text(json.dumps(provenance))
    result = invoke("verify", run)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    changed = [line for line in lines if line.startswith("changed")]
    assert changed[0].startswith(f"changed input {(mine / 'production.parquet').resolve()}: sha256 ")
    assert changed[1].startswith("changed package numpy: 0.0.1 then, ") and len(changed) == 2
    first_metric = next(i for i, line in enumerate(lines) if line.startswith("differs"))
    assert first_metric > lines.index(changed[1]) and "differs cost.unit_mean" in result.output


def test_an_input_unreadable_now_is_named_not_a_traceback(tmp_path, monkeypatch):
    """inputs_changed hashes the saved inputs again: a file it may no longer read (permissions;
    root reads everything, so the refusal is simulated) is one line, like a missing one."""
    from minectl import results

    readable, locked = tmp_path / "a.csv", tmp_path / "b.csv"
    readable.write_text("x\n1\n")
    locked.write_text("x\n2\n")
    provenance = {"inputs": {str(readable): results.sha256_file(readable), str(locked): "0" * 64,
                             str(tmp_path / "gone.csv"): "0" * 64}, "packages": {}}
    real = results.sha256_file

    def sha256_file(path, *args):
        if path == locked:
            raise PermissionError(13, "Permission denied")
        return real(path, *args)

    monkeypatch.setattr(results, "sha256_file", sha256_file)
    assert results.inputs_changed(provenance) == [
        f"input {locked}: unreadable now (Permission denied)", f"input {tmp_path / 'gone.csv'}: missing now"]


# ---------------------------------------------------------------------------- run folders


def test_two_runs_with_the_same_default_folder_name_get_distinct_folders(made, tmp_path):
    # a time-stamped name ("${now:...}") that two runs resolve alike, as in the same second
    template = f"hydra.run.dir={tmp_path}/runs/" + "${now:%Y}"
    for seed in (1, 2):
        assert invoke("demo", "data=parquet_dir", f"data.dir={made['mine']}", f"seed={seed}", template).exit_code == 0
    first, second = sorted((tmp_path / "runs").iterdir())
    assert second.name == f"{first.name}-1"
    for folder, seed in ((first, 1), (second, 2)):
        assert json.loads((folder / "provenance.json").read_text())["seed"] == seed
        assert f"seed={seed}" in (folder / ".hydra" / "overrides.yaml").read_text()


def test_default_output_folders_of_one_second_are_distinct(made, tmp_path, monkeypatch):
    import datetime as dt

    import hydra.core.utils

    class Frozen(dt.datetime):  # Hydra's ${now:...} reads hydra.core.utils.datetime.now()
        @classmethod
        def now(cls, tz=None):
            return cls(2026, 1, 2, 3, 4, 5)

    monkeypatch.setattr(hydra.core.utils, "datetime", Frozen)
    monkeypatch.chdir(tmp_path)
    for seed in (1, 2):
        assert invoke("demo", "data=parquet_dir", f"data.dir={made['mine']}", f"seed={seed}").exit_code == 0
    day = tmp_path / "outputs" / "demo" / "2026-01-02"
    assert sorted(p.name for p in day.iterdir()) == ["03-04-05", "03-04-05-1"]
    assert [json.loads((day / name / "provenance.json").read_text())["seed"] for name in ("03-04-05", "03-04-05-1")] == [1, 2]


def test_two_runs_started_together_get_distinct_folders(made, tmp_path):
    command = [sys.executable, "-m", "minectl.cli", "demo", "data=parquet_dir", f"data.dir={made['mine']}",
               f"hydra.run.dir={tmp_path}/runs/" + "${now:%Y-%m-%d}/${now:%H-%M}"]
    started = [subprocess.Popen([*command, f"seed={seed}"], cwd=tmp_path, stdout=subprocess.DEVNULL) for seed in (1, 2)]
    assert [p.wait(timeout=300) for p in started] == [0, 0]
    runs = sorted((tmp_path / "runs").glob("*/*"))
    assert len(runs) == 2, runs
    assert sorted(json.loads((run / "provenance.json").read_text())["seed"] for run in runs) == [1, 2]
    for run in runs:  # each folder holds one run: its config and its metrics agree
        seed = json.loads((run / "provenance.json").read_text())["seed"]
        assert (run / ".hydra" / "overrides.yaml").read_text().count("seed=") == 1 and f"seed={seed}" in (run / ".hydra" / "overrides.yaml").read_text()


def test_a_named_folder_that_holds_a_run_is_refused(made, tmp_path):
    run = copy_of(made, "demo", tmp_path)
    line = assert_refused(["demo", "data=parquet_dir", f"data.dir={made['mine']}", f"hydra.run.dir={run}"],
                          f"hydra.run.dir={run}: already holds a run; expected a new folder, or --overwrite", inputs=[run])
    assert "--overwrite" in line


def test_verify_does_not_replay_into_a_run(made, tmp_path):
    run, other = copy_of(made, "demo", tmp_path), Path(shutil.copytree(made["demo"], tmp_path / "other"))
    assert_refused(["verify", run, "--out", other], f"--out {other}: already holds a run; expected a new folder", inputs=[run, other])


def test_a_named_sweep_folder_that_holds_a_sweep_is_refused(made, tmp_path):
    sweep = copy_of(made, "sweep", tmp_path)
    assert_refused(["demo", "-m", "seed=3,4", f"hydra.sweep.dir={sweep}"], f"hydra.sweep.dir={sweep}: already holds a run", inputs=[sweep])


def test_the_folder_of_a_failed_run_may_be_reused(made, tmp_path):
    run, empty = tmp_path / "run", tmp_path / "empty"
    empty.mkdir()  # a folder (checked before the run) without tables: found by the run, which fails
    assert invoke("demo", "data=parquet_dir", f"data.dir={empty}", f"hydra.run.dir={run}").exit_code == 2
    assert json.loads((run / "status.json").read_text())["status"] == "failed"
    assert invoke("demo", "data=parquet_dir", f"data.dir={made['mine']}", f"hydra.run.dir={run}").exit_code == 0
    metrics_sha256 = hashlib.sha256((run / "metrics.json").read_bytes()).hexdigest()
    config_sha256 = hashlib.sha256((run / ".hydra" / "config.yaml").read_bytes()).hexdigest()
    tables_sha256 = {table.name: hashlib.sha256(table.read_bytes()).hexdigest() for table in (run / "tables").glob("*.parquet")}
    assert json.loads((run / "status.json").read_text()) == {"error": None, "status": "ok", "metrics_sha256": metrics_sha256,
                                                             "config_sha256": config_sha256, "tables_sha256": tables_sha256}


def test_a_named_folder_where_a_run_has_started_is_refused(made, tmp_path):
    run = copy_of(made, "demo", tmp_path)
    for name in ("metrics.json", "status.json", "provenance.json"):  # as while the run is working, or killed
        (run / name).unlink()
    assert_refused(["demo", f"hydra.run.dir={run}"], f"hydra.run.dir={run}: already holds a run", inputs=[run])


def test_overwrite_replaces_the_run_in_a_named_folder(made, tmp_path):
    run = copy_of(made, "demo", tmp_path)
    (run / "tables" / "stale.parquet").write_bytes(b"from the old run")
    result = invoke("demo", "data=parquet_dir", f"data.dir={made['mine']}", "seed=5", f"hydra.run.dir={run}", "--overwrite")
    assert result.exit_code == 0, result.output
    assert json.loads((run / "provenance.json").read_text())["seed"] == 5
    assert not (run / "tables" / "stale.parquet").exists()


def test_a_killed_synth_leaves_nothing_after_the_next_run(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its id now names no process, like a killed synth's
    leftovers = [tmp_path / f".synthetic.tmp-{dead.pid}", tmp_path / f".synthetic.old-{dead.pid}"]
    for folder in leftovers:
        (folder / "production").mkdir(parents=True)
    running = tmp_path / f".synthetic.tmp-{os.getppid()}"  # a synth still writing: left alone
    running.mkdir()
    result = invoke("data", "synth", "--out", tmp_path / "synthetic", "--years", "0.1")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([running.name, "synthetic"])


# ---------------------------------------------------------------------------- secrets


# the name as written, and quoted, which OmegaConf resolves alike (quoted, it was written in clear)
ENV_NAMES = ["MINECTL_TEST_DATA_DIR", "'MINECTL_TEST_DATA_DIR'", '"MINECTL_TEST_DATA_DIR"']


@pytest.mark.parametrize("name", ENV_NAMES)
def test_a_secret_from_the_environment_is_written_nowhere(name, made, tmp_path, monkeypatch):
    secret = tmp_path / "vault-Xq7Secret"
    shutil.copytree(made["mine"], secret)
    monkeypatch.setenv("MINECTL_TEST_DATA_DIR", str(secret))
    run = tmp_path / "run"
    result = invoke("demo", "data=parquet_dir", f"data.dir=${{oc.env:{name}}}", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert "Xq7Secret" not in every_file_text(run) + result.output
    assert "***/production.parquet" in (run / "provenance.json").read_text()


@pytest.mark.parametrize("name", ENV_NAMES)
def test_a_secret_from_the_environment_is_not_in_an_error(name, tmp_path, monkeypatch):
    monkeypatch.setenv("MINECTL_TEST_DATA_DIR", str(tmp_path / "no-such-Xq7Secret"))
    run = tmp_path / "run"
    assert_refused(["demo", "data=parquet_dir", f"data.dir=${{oc.env:{name}}}", f"hydra.run.dir={run}"],
                   "***: data folder not found", secrets=["Xq7Secret"], run_dir=run)
    assert "Xq7Secret" not in every_file_text(run)


def _files_at_urls(folder: Path, *urls: str) -> None:
    """A file where each URL reads as a relative path (postgresql:/user:pw@host/db), not a database: the
    pre-check finds it and the job fails on it, after writing its run folder's files."""
    for url in urls:
        (folder / url).parent.mkdir(parents=True, exist_ok=True)
        (folder / url).write_text("not a database")


def test_a_password_in_a_connection_url_is_written_nowhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _files_at_urls(tmp_path, "postgresql://minectl:Pw9Secret@db.example/mine")
    run = tmp_path / "run"
    assert_refused(["demo", "data=duckdb", "data.path=postgresql://minectl:Pw9Secret@db.example/mine", f"hydra.run.dir={run}"],
                   "minectl:***@db.example/mine", secrets=["Pw9Secret"], run_dir=run)
    assert "Pw9Secret" not in every_file_text(run) and "minectl:***@db.example" in (run / ".hydra" / "overrides.yaml").read_text()


def test_a_password_in_a_swept_url_is_not_in_the_summary(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _files_at_urls(tmp_path, "duckdb://u:Pw9Secret@h/a", "duckdb://u:Pw9Secret@h/b")
    sweep = tmp_path / "sweep"
    result = invoke("demo", "-m", "data=duckdb", "data.path=duckdb://u:Pw9Secret@h/a,duckdb://u:Pw9Secret@h/b", f"hydra.sweep.dir={sweep}")
    assert result.exit_code == 1
    assert "Pw9Secret" not in every_file_text(sweep) + result.output
    summary = pl.read_parquet(sweep / "summary.parquet")
    assert summary["data.path"].to_list() == ["duckdb\\://u\\:***@h/a", "duckdb\\://u\\:***@h/b"]  # as Hydra escapes a swept value


@pytest.mark.parametrize("text, clean", [
    ("postgresql://user:pw99@host:5432/db", "postgresql://user:***@host:5432/db"),
    ("ATTACH 'postgres://me:s3cr3t@db/x' AS pg", "ATTACH 'postgres://me:***@db/x' AS pg"),
    ("ATTACH 'dbname=x host=h password=s3cr3t' AS pg (TYPE postgres)", "ATTACH 'dbname=x host=h password=***' AS pg (TYPE postgres)"),
    ("http://example.com:8080/path", "http://example.com:8080/path"),  # no user info: nothing hidden
])
def test_redact_hides_passwords_in_connection_strings(text, clean):
    assert redact(text) == clean
