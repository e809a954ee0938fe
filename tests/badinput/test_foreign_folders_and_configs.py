"""Run folders, sweep folders, `-cd` folders and overrides made by someone else, past the cases
of test_run_folders.py and test_security.py: inputs built to hang, to eat memory, to be silently
ignored, or to make minectl write among files that are not a run's. Each ends in one line.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import yaml
from harness import assert_refused, invoke, snapshot, tiny_sweep


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One demo run and one two-job demo sweep on a tiny mine, made once."""
    root = tmp_path_factory.mktemp("made")
    data, sweep = tiny_sweep(root, "demo")
    assert invoke("demo", *data, f"hydra.run.dir={root / 'demo'}").exit_code == 0
    return {"demo": root / "demo", "sweep": sweep, "data": data}


def copy_of(made, name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(made[name], tmp_path / name))


def yaml_bomb(levels: int = 10) -> str:
    """Each anchor a list of nine aliases of the previous one: 9**levels values once expanded."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- run folders


def test_a_deeply_nested_json_file_is_named_not_a_traceback(made, tmp_path):
    run = copy_of(made, "demo", tmp_path)
    (run / "metrics.json").write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert_refused(["verify", run], ["metrics.json: nested too deeply", "expected a JSON object"], inputs=[run])


def test_a_huge_metrics_file_is_refused_before_parsing(made, tmp_path):
    run = copy_of(made, "demo", tmp_path)
    (run / "metrics.json").write_bytes(b"{" + b" " * (21 << 20) + b"}")
    started = time.perf_counter()
    assert_refused(["verify", run], ["metrics.json: 21 MB, larger than the 20 MB a run writes"], inputs=[run])
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize("sweep", ["seed=0,1", "seed=range(0,1000000)"])
def test_verify_refuses_saved_overrides_that_sweep(sweep, made, tmp_path):
    run = copy_of(made, "demo", tmp_path)
    overrides = run / ".hydra" / "overrides.yaml"
    overrides.write_text(yaml.safe_dump([*yaml.safe_load(overrides.read_text()), sweep]))
    assert_refused(["verify", run], [sweep, "needs -m (--multirun)"], inputs=[run])


def test_a_yaml_bomb_in_a_run_folder_is_refused(made, tmp_path):
    run = copy_of(made, "demo", tmp_path)
    (run / ".hydra" / "hydra.yaml").write_text(yaml_bomb())
    assert_refused(["verify", run], ["hydra.yaml", "expand to more than 1,000,000 values"], inputs=[run])


@pytest.mark.parametrize("task, expect", [("costs=glob(*)", "seed"), ("seed=range(0,1000000000)", "plans more than 10,000 jobs")])
def test_summarize_reads_the_plan_of_a_sweep_folder(task, expect, made, tmp_path):
    """A glob's values come from config groups (the plan is not known: the jobs found are
    listed); a plan of a billion jobs is refused rather than expanded."""
    sweep = copy_of(made, "sweep", tmp_path)
    plan = yaml.safe_load((sweep / "multirun.yaml").read_text())
    plan["hydra"]["overrides"]["task"] = [task]
    (sweep / "multirun.yaml").write_text(yaml.safe_dump(plan))
    if task.startswith("costs="):
        result = invoke("summarize", sweep)
        assert result.exit_code == 0, result.output
        assert "not started" not in result.output and expect in result.output
    else:
        started = time.perf_counter()
        assert_refused(["summarize", sweep], ["multirun.yaml", expect])
        assert time.perf_counter() - started < 10


# ---------------------------------------------------------------------------- -cd folders


@pytest.mark.parametrize("body, expect", [(yaml_bomb(), "expand to more than 1,000,000 values"),
                                          ("a: &a [1, *a]\n", "an anchor holds an alias of itself")])
def test_a_self_multiplying_config_file_is_refused_at_once(body, expect, made, tmp_path):
    (tmp_path / "cd" / "costs").mkdir(parents=True)
    (tmp_path / "cd" / "costs" / "bomb.yaml").write_text(body)
    started = time.perf_counter()
    assert_refused(["demo", "-cd", tmp_path / "cd", "costs=bomb", f"hydra.run.dir={tmp_path / 'run'}"],
                   ["costs/bomb.yaml", expect], inputs=[tmp_path / "cd"], run_dir=tmp_path / "run")
    assert time.perf_counter() - started < 10


def test_a_config_dir_cannot_replace_the_primary_config(tmp_path):
    """Hydra composes the packaged demo.yaml first: a `-cd` demo.yaml would be silently ignored."""
    (tmp_path / "cd").mkdir()
    (tmp_path / "cd" / "demo.yaml").write_text("defaults:\n  - cost\n  - _self_\ntask_name: demo\nseed: 77\n")
    assert_refused(["demo", "-cd", tmp_path / "cd", f"hydra.run.dir={tmp_path / 'run'}"],
                   ["demo.yaml", "this file would be ignored", "experiment"], inputs=[tmp_path / "cd"], run_dir=tmp_path / "run")


# ---------------------------------------------------------------------------- overrides, sweeps, output folders


def test_a_sweep_without_multirun_is_one_line_and_makes_no_folder(tmp_path):
    assert_refused(["demo", "seed=0,1", f"hydra.run.dir={tmp_path / 'run'}"], ["seed=0,1", "needs -m (--multirun)"])
    assert not (tmp_path / "run").exists()


def test_a_sweep_of_a_million_jobs_is_refused_before_any_job(tmp_path):
    started = time.perf_counter()
    assert_refused(["demo", "-m", "seed=range(0,1000000)", "costs=glob(*)", f"hydra.sweep.dir={tmp_path / 'sweep'}"],
                   ["more than 10,000 jobs", "hydra/sweeper=optuna"])
    assert time.perf_counter() - started < 10
    assert not (tmp_path / "sweep").exists()


def test_an_override_of_100_kb_is_refused(tmp_path):
    assert_refused(["demo", "costs.currency=" + "a" * 100_000, f"hydra.run.dir={tmp_path / 'run'}"],
                   ["override 'costs.currency=", "100,015 characters long", "expected at most 10,000"])


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_a_named_folder_holding_other_files_is_never_written(overwrite, made, tmp_path):
    folder = tmp_path / "project"
    (folder / "tables").mkdir(parents=True)
    (folder / "tables" / "ledger.parquet").write_text("the user's own file")
    before = snapshot([folder])
    assert_refused(["demo", *made["data"], *overwrite, f"hydra.run.dir={folder}"],
                   [f"hydra.run.dir={folder}: holds files that are not a minectl run", "expected a new or empty folder"])
    assert snapshot([folder]) == before and sorted(p.name for p in folder.iterdir()) == ["tables"]


def test_summarize_refuses_a_job_folder_of_another_run(made, tmp_path):
    sweep = copy_of(made, "sweep", tmp_path)
    shutil.rmtree(sweep / "1")
    shutil.copytree(made["demo"], sweep / "1")  # a run whose overrides are not job 1's
    assert_refused(["summarize", sweep], ["1/.hydra/overrides.yaml", "are not job 1's overrides in multirun.yaml",
                                          "expected the folder of this sweep's job"], inputs=[sweep])


def test_extract_predict_never_writes_among_other_files(tmp_path):
    """Checked before the run's model is read: the saved `.hydra/` of an extract run is enough."""
    saved = tmp_path / "run" / ".hydra"
    saved.mkdir(parents=True)
    (saved / "config.yaml").write_text("task_name: extract\n")
    (saved / "overrides.yaml").write_text("[]\n")
    (saved / "hydra.yaml").write_text("hydra:\n  runtime:\n    config_sources: []\n")
    out = tmp_path / "mine_notes"
    out.mkdir()
    (out / "entities.parquet").write_text("the user's own file")
    assert_refused(["factors", "extract", "predict", tmp_path / "run", "factors.extract.text=x.txt", f"out={out}"],
                   [f"out={out} holds files", "expected a new or empty folder"], inputs=[out])
