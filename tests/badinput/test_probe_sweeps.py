"""Sweeps (`-m`) as cost engineers use them: range and glob sweeps, repeated values, failed and
interrupted jobs, sweep folders holding a job of another sweep, `summarize --by` over jobs that
write different metrics, `verify` of a sweep's job whose inputs changed since.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused, invoke, tiny_sweep
from typer.testing import CliRunner

import minectl.conf
from minectl import cli
from minectl.cli import app


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A two-job cost sweep (seed=0,1) on its own copy of the tiny mine, made once."""
    root = tmp_path_factory.mktemp("made")
    data, sweep = tiny_sweep(root, "cost")
    return {"mine": root / "mine", "data": data, "sweep": sweep}


def copy_of(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / folder.name))


# ---------------------------------------------------------------------------- every value before any job


@pytest.mark.parametrize("sweep, expect", [
    ("seed=range(-1,2)", "seed=-1 is out of range; expected an integer in [0, 4294967295]"),  # was a numpy traceback
    ("cost.outlier_window=range(1,4)", "cost.outlier_window=1 is out of range; expected an integer >= 2"),
    ("seed=range(3,0)", "seed=range(3,0): the sweep gives no value; expected at least one"),
    ("costs=glob(nope*)", "costs=glob(nope*): the sweep gives no value; expected at least one"),
    ("seed=0,0", "seed=0 and seed=0 make the same config; expected distinct values of a sweep"),
    ("seed=1,01", "seed=1 and seed=01 make the same config; expected distinct values of a sweep"),
    ("seed=0,1 seed=2", "seed=0,1 and seed=2 both set seed; expected one override per swept key"),
    ("seed=interval(0,3)", "seed=interval(0,3): an interval is searched, not swept; expected values"),  # was a traceback
    ("seed=0,1 --cfg job", "-m (--multirun) with --cfg: Hydra does one at a time; expected --cfg without -m"),
])
def test_every_sweep_value_is_checked_before_any_job(made, tmp_path, sweep, expect):
    sweep_dir = tmp_path / "sweep"
    assert_refused(["cost", "-m", *made["data"], *sweep.split(), f"hydra.sweep.dir={sweep_dir}"], expect,
                   inputs=[made["mine"]])
    assert not sweep_dir.exists()  # no job ran


def test_a_glob_sweep_checks_each_option_of_the_group_also_from_a_config_dir(made, tmp_path):
    (tmp_path / "conf" / "costs").mkdir(parents=True)
    (tmp_path / "conf" / "costs" / "typo.yaml").write_text("resourcez: {}\n")
    sweep_dir = tmp_path / "sweep"
    # taconite's mapping left out: beside the default cost.change_rate (kwh_per_t, an intensity it has not) it is refused first
    assert_refused(["cost", "-m", "-cd", tmp_path / "conf", *made["data"], "costs=glob(*,exclude=taconite)", f"hydra.sweep.dir={sweep_dir}"],
                   "costs.resourcez: unknown key", inputs=[tmp_path / "conf"])
    assert not sweep_dir.exists()


def test_a_job_refuses_a_bad_seed_the_pre_check_did_not_see(made, tmp_path, monkeypatch):
    # e.g. a sweeper's sampled value: the job fails in one line, the sweep goes on and exits 1
    monkeypatch.setattr(cli, "precheck", lambda *args, **kwargs: None)
    sweep_dir = tmp_path / "sweep"
    result = CliRunner().invoke(app, ["cost", "-m", *made["data"], "seed=range(-1,1)", f"hydra.sweep.dir={sweep_dir}"])
    assert result.exit_code == 1, result.output
    summary = pl.read_parquet(sweep_dir / "summary.parquet")
    assert summary["status"].to_list() == ["failed", "ok"]
    assert summary["error"][0] == "seed=-1 is out of range; expected an integer in [0, 4294967295]"
    assert summary["cost.total"].to_list() == [None, 2975.0]  # 85 CNY/h x 35 h of haulage labour
    assert not (sweep_dir / "0" / "tables").exists()


def test_a_job_subdir_shared_by_several_jobs_is_refused(made, tmp_path):
    # before: 4 jobs in 2 folders, jobs 0 and 1 overwritten and gone from the summary, exit 0
    sweep_dir = tmp_path / "sweep"
    assert_refused(["cost", "-m", *made["data"], "seed=0,1", "cost.outlier_window=30,31", "hydra.sweep.subdir=${seed}",
                    f"hydra.sweep.dir={sweep_dir}"],
                   "hydra.sweep.subdir=${seed}: the same folder for several jobs of this sweep; expected a subdir unique "
                   "to each job")
    assert not sweep_dir.exists()


@pytest.mark.slow
def test_jobs_in_folders_below_a_subdir_are_summarized(made, tmp_path):
    # ${hydra.job.override_dirname} holds data.dir's slashes: each job's folder is nested
    sweep_dir = tmp_path / "sweep"
    result = invoke("cost", "-m", *made["data"], "seed=0,1", "hydra.sweep.subdir=${hydra.job.override_dirname}",
                    f"hydra.sweep.dir={sweep_dir}")
    assert result.exit_code == 0, result.output
    summary = pl.read_parquet(sweep_dir / "summary.parquet")
    assert summary["seed"].to_list() == ["0", "1"] and summary["cost.total"].to_list() == [2975.0, 2975.0]
    assert summary["job"][1] == f"data.dir={made['mine']},data=parquet_dir,seed=1"
    assert_refused(["summarize", tmp_path], "holds no jobs")  # the folder above a sweep: its jobs are the sweep's


# ---------------------------------------------------------------------------- sweep folders


@pytest.mark.parametrize("name", ["2", "old_0"])
def test_summarize_refuses_a_job_folder_of_another_sweep(made, tmp_path, name):
    sweep = copy_of(made["sweep"], tmp_path)
    shutil.copytree(sweep / "0", sweep / name)  # a job folder copied in: it would count twice
    (sweep / "notes.txt").write_text("a stray file is no job: ignored")
    (sweep / "summary.parquet").unlink()
    expect = [f"{sweep / name}: not a job of this sweep (multirun.yaml plans jobs 0 to 1)", "move the others out"]
    assert_refused(["summarize", sweep], expect, inputs=[sweep])
    assert_refused(["report", sweep], expect, inputs=[sweep])


def test_verify_of_a_sweep_folder_asks_for_one_of_its_jobs(made):
    assert_refused(["verify", made["sweep"]], f"{made['sweep']}: a sweep folder (multirun.yaml), not a run's; expected "
                   f"the folder of one of its jobs, e.g. {made['sweep'] / '0'}", inputs=[made["sweep"]])


def test_summarize_by_says_how_many_jobs_a_mean_is_over(made, tmp_path):
    # jobs that write different metrics: a mean over one of two jobs is no "± 0" over both
    sweep = copy_of(made["sweep"], tmp_path)
    metrics = json.loads((sweep / "1" / "metrics.json").read_text())
    del metrics["cost.total"]
    (sweep / "1" / "metrics.json").write_text(json.dumps(metrics))
    status = json.loads((sweep / "1" / "status.json").read_text())
    status["metrics_sha256"] = hashlib.sha256((sweep / "1" / "metrics.json").read_bytes()).hexdigest()
    (sweep / "1" / "status.json").write_text(json.dumps(status))
    result = invoke("summarize", sweep, "--by", "data", "--metric", "cost.total", "--metric", "cost.days")
    assert result.exit_code == 0, result.output
    assert "2975 (1 of 2 jobs)" in result.output and "5 ± 0" in result.output  # 5 days in both jobs


@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "1e999"])
def test_summarize_refuses_an_infinite_metric_even_without_the_jobs_sha256(made, tmp_path, value):
    # a job leaves an undefined metric out; an Infinity would turn the sweep's mean into inf
    sweep = copy_of(made["sweep"], tmp_path)
    text = (sweep / "1" / "metrics.json").read_text()
    (sweep / "1" / "metrics.json").write_text(text.replace('"cost.days": 5', f'"cost.days": {value}'))
    status = json.loads((sweep / "1" / "status.json").read_text())
    del status["metrics_sha256"]  # as a run of an earlier version, which wrote none
    (sweep / "1" / "status.json").write_text(json.dumps(status))
    sign = "-" if value.startswith("-") else ""
    assert_refused(["summarize", str(sweep)], f"{sweep / '1' / 'metrics.json'}: metric 'cost.days' is {sign}inf; "
                   "expected finite numbers (minectl leaves an undefined metric out)", inputs=[sweep])


def test_a_metric_a_task_cannot_define_is_left_out_of_strict_json(tmp_path):
    from minectl.results import flatten_metrics

    assert flatten_metrics({"mape": {"naive": float("inf"), "lstm": 0.25}, "r2": float("nan"), "gain": -float("inf")}) == \
        {"mape.lstm": 0.25}


@pytest.mark.slow
def test_verify_of_a_sweep_job_whose_input_changed_is_not_reproduced(made, tmp_path):
    # prices.parquet prices what the tiny mine does not use: the metrics stay, the input did not
    mine = write_tiny_mine(tmp_path / "mine")
    sweep = tmp_path / "sweep"
    assert invoke("cost", "-m", "data=parquet_dir", f"data.dir={mine}", "seed=0,1", f"hydra.sweep.dir={sweep}").exit_code == 0
    assert invoke("verify", sweep / "1").exit_code == 0
    prices = pl.read_parquet(mine / "prices.parquet")
    prices.with_columns(pl.col("price") * 2).write_parquet(mine / "prices.parquet")
    result = invoke("verify", sweep / "1")
    assert result.exit_code == 1, result.output
    assert f"changed input {(mine / 'prices.parquet').resolve()}: sha256" in result.output
    assert "not reproduced: identical metrics, but from inputs that changed since the run" in result.output


@pytest.mark.slow
def test_verify_of_a_job_that_read_a_part_added_since_is_not_reproduced(tmp_path):
    # a table read from a folder of parts: a new part (a price from 2025, after the data) leaves the metrics
    mine = write_tiny_mine(tmp_path / "mine")
    (mine / "prices").mkdir()
    (mine / "prices.parquet").rename(mine / "prices" / "part-0.parquet")
    sweep = tmp_path / "sweep"
    assert invoke("cost", "-m", "data=parquet_dir", f"data.dir={mine}", "seed=0,1", f"hydra.sweep.dir={sweep}").exit_code == 0
    new_part = mine / "prices" / "part-1.parquet"
    pl.DataFrame({"resource": ["electricity"], "valid_from": [dt.date(2025, 1, 1)], "price": [0.9]}).write_parquet(new_part)
    result = invoke("verify", sweep / "0")
    assert result.exit_code == 1, result.output
    assert f"changed input {new_part.resolve()}: read by the replay, not by the run (new since)" in result.output


@pytest.mark.slow
def test_an_interrupted_job_leaves_no_partial_results(made, tmp_path, monkeypatch):
    from minectl.tasks import cost

    def interrupted(cfg, out):  # Ctrl-C after the first table
        out.table("daily", pl.DataFrame({"a": [1.0]}))
        raise KeyboardInterrupt

    monkeypatch.setattr(cost, "run", interrupted)
    sweep = tmp_path / "sweep"
    assert invoke("cost", "-m", *made["data"], "seed=0,1", f"hydra.sweep.dir={sweep}").exit_code == 130  # 128 + SIGINT
    assert not (sweep / "0" / "tables").exists() and not (sweep / "1").exists()
    result = invoke("summarize", sweep)
    assert result.exit_code == 1, result.output
    summary = pl.read_parquet(sweep / "summary.parquet")
    assert summary["status"].to_list() == ["failed", "not started"]
    assert summary["error"][0] == "interrupted (Ctrl-C) before the job finished"


def test_a_forecaster_sweep_value_without_the_naive_model_is_refused_before_any_job(tmp_path):
    """forecaster=[naive],[seasonal_naive]: the second job failed at run time; every figure is shown
    next to the naive model, so a selection without it is refused by the pre-check."""
    sweep_dir = tmp_path / "sweep"
    assert_refused(["forecast", "-m", "forecaster=[naive],[seasonal_naive]", f"hydra.sweep.dir={sweep_dir}"],
                   "forecaster: the naive model must be selected")
    assert not sweep_dir.exists()


# ---------------------------------------------------------------------------- sweeps without a plan of their jobs


@pytest.fixture(scope="module")
def globbed(made, tmp_path_factory):
    """A two-job glob sweep (costs=glob(default*), one with dearer drill steel): multirun.yaml lists no job, so no plan to check folders against."""
    root = tmp_path_factory.mktemp("globbed")
    (root / "conf" / "costs").mkdir(parents=True)
    default = (Path(minectl.conf.__file__).parent / "costs" / "default.yaml").read_text()
    (root / "conf" / "costs" / "default_dearer.yaml").write_text(default.replace("price: 28.0}", "price: 29.0}"))
    result = invoke("cost", "-m", "-cd", root / "conf", *made["data"], "costs=glob(default*)", f"hydra.sweep.dir={root / 'sweep'}")
    assert result.exit_code == 0, result.output
    return root / "sweep"


@pytest.mark.parametrize("copied, name, expect", [
    ("other", "2", "its .hydra/hydra.yaml has hydra.sweep.dir="),  # a job of the seed sweep
    ("own", "5", "its .hydra/hydra.yaml has hydra.job.num=0"),  # job 0 copied within the sweep
])
def test_a_sweep_without_a_plan_refuses_a_job_folder_it_did_not_make(made, globbed, tmp_path, copied, name, expect):
    sweep = copy_of(globbed, tmp_path)  # moved: its jobs and multirun.yaml still name the same sweep
    assert invoke("summarize", sweep).exit_code == 0
    shutil.copytree((made["sweep"] if copied == "other" else sweep) / "0", sweep / name)
    assert_refused(["summarize", sweep], [f"{sweep / name}: not a job of this sweep ({expect}", "move the others out"],
                   inputs=[sweep])


def test_summarize_of_a_sweep_left_without_jobs_fails_and_names_its_old_summary(globbed, tmp_path):
    sweep = copy_of(globbed, tmp_path)
    for job in ("0", "1"):
        shutil.rmtree(sweep / job)
    assert_refused(["summarize", sweep], f"'{sweep}' holds no jobs (its summary.parquet is of jobs no longer there: left as "
                   "it is); expected subdirs with .hydra/overrides.yaml", inputs=[sweep])


# ---------------------------------------------------------------------------- searches (Optuna)

SEARCH = ["hydra/sweeper=optuna", "hydra.sweeper.n_trials=2", "cost.outlier_sigma=interval(2.5,3.5)"]


def test_a_search_without_an_objective_is_refused_before_any_job(made, tmp_path):
    """Each job returned None to Optuna, and the sweep ended in Optuna's traceback: "No trials are completed yet"."""
    assert_refused(["cost", "-m", *made["data"], *SEARCH, f"hydra.sweep.dir={tmp_path / 'sweep'}"],
                   "OptunaSweeper searches for the best value of a metric: no objective is set; expected objective=METRIC",
                   inputs=[made["mine"]])
    assert not (tmp_path / "sweep").exists()


@pytest.mark.slow
def test_a_search_whose_every_job_failed_ends_in_one_line_after_the_jobs_table(made, tmp_path):
    result = invoke("cost", "-m", *made["data"], *SEARCH, "objective=cost.no_such_metric", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert result.output.strip().splitlines()[-1] == ("error: the sweeper stopped: every job failed, so the search has no best "
                                                      "value (each job's error is in its status.json); expected jobs that finish")
    statuses = [json.loads((tmp_path / "sweep" / job / "status.json").read_text())["status"] for job in ("0", "1")]
    assert statuses == ["failed", "failed"] and pl.read_parquet(tmp_path / "sweep" / "summary.parquet").height == 2
