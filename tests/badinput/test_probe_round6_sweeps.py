"""Bad-input corpus, round 6: sweep and run folders, past test_probe_sweeps.py, test_run_folders.py and
test_probe_round5_runs.py. `summarize` and `report` counted the job folder of another sweep whose
overrides match the plan (a `demo` job in a `cost` sweep of the same name: its figures in the means,
exit 0), and any mix of jobs once multirun.yaml was gone. summary.parquet replaced by a folder ended
`summarize` in a traceback, and so did `report --by KEY` with a metric named twice. `verify --out`
inside the run folder wrote the replay into the run it checks (then said "reproduced"), and inside the
sweep's folder (or `hydra.run.dir=SWEEP/7`) added a run that `summarize` then refused as a foreign job.
A `hydra.sweep.subdir` outside the sweep folder (`${data.dir}`, or `..`) wrote each job's results into
the data folder, or every job into the sweep folder itself (needs the cli.py change in the report).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import write_tiny_mine
from harness import assert_refused, invoke


def _sweep(task: str, cwd: Path, data: list[str], name: str) -> Path:
    """A two-job sweep (seed=0,1) of ``task`` started in ``cwd`` into its relative folder ``name``
    (so that two sweeps in two working folders have the same hydra.sweep.dir)."""
    before = Path.cwd()
    cwd.mkdir(parents=True)
    os.chdir(cwd)
    try:
        result = invoke(task, "-m", *data, "seed=0,1", f"hydra.sweep.dir={name}")
    finally:
        os.chdir(before)
    assert result.exit_code == 0, result.output
    return cwd / name


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """A cost sweep `sweep`, a demo sweep of the same name started elsewhere, and a cost sweep `other`."""
    root = tmp_path_factory.mktemp("made")
    data = ["data=parquet_dir", f"data.dir={write_tiny_mine(root / 'mine')}"]
    return {"mine": root / "mine", "data": data, "cost": _sweep("cost", root / "a", data, "sweep"),
            "demo": _sweep("demo", root / "b", data, "sweep"), "other": _sweep("cost", root / "c", data, "other")}


def _with_job_of(sweep: Path, donor: Path, tmp_path: Path, plan: bool = True) -> Path:
    """A copy of ``sweep`` whose job 1 is ``donor``'s job 1 (the same overrides, seed=1), without summary and page."""
    copy = Path(shutil.copytree(sweep, tmp_path / "copy"))
    shutil.rmtree(copy / "1")
    shutil.copytree(donor / "1", copy / "1")
    for name in ["summary.parquet", "report.html"] + ([] if plan else ["multirun.yaml"]):
        (copy / name).unlink()
    return copy


# ---------------------------------------------------------------------------- a job of another sweep


@pytest.mark.parametrize("plan", [True, False], ids=["multirun.yaml", "no multirun.yaml"])
def test_a_job_of_another_task_with_the_same_overrides_is_refused(made, tmp_path, plan):
    # before: exit 0, the demo job's cost.total in the cost sweep's table (and its 47 metrics)
    sweep = _with_job_of(made["cost"], made["demo"], tmp_path, plan)
    expect = [f"{sweep / '1'}: not a job of this sweep (its .hydra/hydra.yaml has hydra.job.config_name=demo, this sweep's "
              "is cost)", "move the others out"]
    assert_refused(["summarize", sweep], expect, inputs=[sweep])
    assert_refused(["report", sweep], expect, inputs=[sweep])


def test_a_job_of_another_sweep_with_the_same_overrides_is_refused(made, tmp_path):
    sweep = _with_job_of(made["cost"], made["other"], tmp_path)
    assert_refused(["summarize", sweep], f"{sweep / '1'}: not a job of this sweep (its .hydra/hydra.yaml has "
                   "hydra.sweep.dir=other, this sweep's is sweep)", inputs=[sweep])


def test_the_sweeps_own_jobs_are_still_summarized(made, tmp_path):
    sweep = Path(shutil.copytree(made["cost"], tmp_path / "moved"))  # moved: its jobs and multirun.yaml still name `sweep`
    (sweep / "multirun.yaml").unlink()  # the jobs are held against each other
    result = invoke("summarize", sweep, "--metric", "cost.total")
    assert result.exit_code == 0, result.output
    assert "2975" in result.output  # 85 CNY/h x 35 h of haulage labour, both jobs


# ---------------------------------------------------------------------------- summary and page


def test_summarize_refuses_a_summary_that_is_a_folder(made, tmp_path):
    # before: IsADirectoryError traceback from the atomic writer, after reading every job
    sweep = Path(shutil.copytree(made["cost"], tmp_path / "sweep"))
    (sweep / "summary.parquet").unlink()
    (sweep / "summary.parquet").mkdir()
    (sweep / "summary.parquet" / "part-0.parquet").write_text("someone's")
    assert_refused(["summarize", sweep], f"{sweep / 'summary.parquet'}: a folder; expected the sweep's summary file or "
                   "nothing there (summarize rewrites it: move the folder away)", inputs=[sweep])


def test_report_by_a_key_with_a_metric_named_twice_draws_it_once(made, tmp_path):
    # before: polars DuplicateError traceback ('cost.total__mean' more than once)
    sweep = Path(shutil.copytree(made["cost"], tmp_path / "sweep"))
    result = invoke("report", sweep, "--by", "seed", "--metric", "cost.total", "--metric", "cost.total")
    assert result.exit_code == 0, result.output
    groups = (sweep / "report.html").read_text().partition('<section id="groups">')[2].partition("</section>")[0]
    assert groups.count("<th class") == 3 and groups.count(">cost.total<") == 1  # seed, jobs ok, cost.total


def test_summarize_by_a_key_with_a_metric_named_twice_shows_it_once(made):
    # before: polars DuplicateError traceback; needs the cli.py change (_print_summary) in the report
    result = invoke("summarize", made["cost"], "--by", "seed", "--metric", "cost.total", "--metric", "cost.total")
    assert result.exit_code == 0, result.output
    assert result.output.count("2975 (one job)") == 2  # one per seed (one job each: no sd)


# ---------------------------------------------------------------------------- where a run writes


def test_verify_does_not_replay_into_the_run_it_checks(made, tmp_path):
    # before: the replay written to RUN/replay, then "reproduced: 30 metrics identical", exit 0
    sweep = Path(shutil.copytree(made["cost"], tmp_path / "sweep"))
    assert_refused(["verify", sweep / "0", "--out", sweep / "0" / "replay"],
                   f"--out {sweep / '0' / 'replay'}: inside the run folder {sweep / '0'}; expected a folder outside it "
                   "(the run stays as it was written)", inputs=[sweep])
    assert not (sweep / "0" / "replay").exists()


@pytest.mark.parametrize("args", [["verify", "{sweep}/1", "--out", "{sweep}/5"], ["cost", "hydra.run.dir={sweep}/7"]],
                         ids=["verify --out", "hydra.run.dir"])
def test_a_run_into_a_sweep_folder_is_refused(made, tmp_path, args):
    # before: the run became a folder `summarize` refuses ("not a job of this sweep"): the sweep unreadable
    sweep = Path(shutil.copytree(made["cost"], tmp_path / "sweep"))
    args = [a.format(sweep=sweep) for a in args]
    folder = Path(args[-1].rpartition("=")[2])
    assert_refused(args, f"hydra.run.dir={folder}: inside the sweep folder {sweep} (it would be read as one of its jobs); "
                   "expected a folder outside it", inputs=[sweep])
    assert not folder.exists()
    assert invoke("summarize", sweep).exit_code == 0


def test_a_sweep_into_a_run_folder_is_refused(made, tmp_path):
    sweep = Path(shutil.copytree(made["cost"], tmp_path / "sweep"))
    assert_refused(["cost", "-m", *made["data"], "seed=0,1", f"hydra.sweep.dir={sweep / '0' / 'again'}"],
                   f"inside the run folder {sweep / '0'}", inputs=[sweep])


# ---------------------------------------------------------------------------- job folders outside the sweep's


@pytest.mark.parametrize("subdir, folder", [
    ("${data.dir}", "{tmp}/mine"),  # each job's results among its data
    ("${hydra.job.num}/..", "0/.."),  # every job into the sweep folder itself
    ("{tmp}/job${hydra.job.num}", "{tmp}/job0"),
])
def test_a_job_subdir_outside_the_sweep_folder_is_refused_before_any_job(made, tmp_path, subdir, folder):
    # before: both jobs ran, their results left in the data folders (or in the sweep folder, the second
    # job's over the first's), then exit 2 "holds no jobs"; needs the cli.py change (_check_subdir_inside)
    mines = [shutil.copytree(made["mine"], tmp_path / name) for name in ("mine", "mine2")]
    sweep = tmp_path / "sweep"
    subdir, folder = subdir.replace("{tmp}", str(tmp_path)), folder.replace("{tmp}", str(tmp_path))
    assert_refused(["cost", "-m", "data=parquet_dir", f"data.dir={mines[0]},{mines[1]}", f"hydra.sweep.subdir={subdir}",
                    f"hydra.sweep.dir={sweep}"],
                   f"hydra.sweep.subdir={subdir}: a job's folder would be {folder}, not a folder inside the sweep's; "
                   "expected a relative subdir without ..", inputs=mines)
    assert not sweep.exists() and not (tmp_path / "job0").exists()
    assert not any((mine / ".hydra").exists() for mine in mines)


def test_two_jobs_whose_subdir_names_one_folder_are_refused_before_any_job(made, tmp_path, monkeypatch):
    # before: exit 0, one job in the table: the second job (data.dir=./mine) wrote over the first's folder;
    # needs the cli.py change (_job_folder) in the report
    sweep = tmp_path / "sweep"
    mine = made["mine"]
    monkeypatch.chdir(mine.parent)
    assert_refused(["cost", "-m", "data=parquet_dir", f"data.dir={mine.name},./{mine.name}", "hydra.sweep.subdir=${data.dir}",
                    f"hydra.sweep.dir={sweep}"],
                   f"data.dir={mine.name} and data.dir=./{mine.name} put their jobs into one folder of the sweep, {mine.name}; "
                   "expected a hydra.sweep.subdir of its own for each job", inputs=[mine])
    assert not sweep.exists()


@pytest.mark.parametrize("sweep, expect", [
    ("revenue.price_range=[-0.1,0.1],[0.1,0.2]", "revenue.price_range: expected -1 < lower < 0 < upper (fractions), got [0.1, 0.2]"),
    ("revenue.cost_range=[-0.1,0.1],[-0.1,1e300]", "revenue.cost_range: [-0.1, 1e+300] is too wide"),
])
def test_a_capacity_error_range_is_checked_before_any_job(tmp_path, sweep, expect):
    # before: every job ran to the revenue step and failed there, exit 1; needs the tasks/capacity.py change (check)
    sweep_dir = tmp_path / "sweep"
    assert_refused(["capacity", "-m", "debug=quick", sweep, f"hydra.sweep.dir={sweep_dir}"], expect)
    assert not sweep_dir.exists()
