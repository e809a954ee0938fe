"""The command line: Typer over hydra.main, overrides, multirun, summaries, verify."""

from __future__ import annotations

import json
import subprocess
import sys

import polars as pl
import pytest
from conftest import read_metrics
from typer.testing import CliRunner

from minectl.cli import app
from minectl.results import sha256_file
from minectl.tasks import TASKS


def test_help_lists_every_command_without_heavy_imports():
    code = (
        "import sys; from typer.testing import CliRunner; from minectl.cli import app;"
        "r = CliRunner().invoke(app, ['--help']); print(r.output);"
        "print('HEAVY', [m for m in ('polars', 'torch', 'sklearn', 'lightgbm', 'pymoo', 'scipy') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out
    for name in [*TASKS, "summarize", "verify", "data"]:
        assert f" {name} " in out


def test_single_run_writes_a_complete_run_dir(cli, tiny_mine, tmp_path):
    run_dir = tmp_path / "run"
    before = {p.name: sha256_file(p) for p in tiny_mine.iterdir()}
    result = cli("demo", "data=parquet_dir", f"data.dir={tiny_mine}", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    metrics = read_metrics(run_dir)
    assert metrics["cost.total"] == 85.0 * (5 + 6 + 7 + 8 + 9)
    assert metrics["cost.no_output_days"] == 1  # ore_t = 0 on day 3: no unit cost, no division error
    assert metrics["cost.unit_mean"] == pytest.approx(85.0 * (5 / 100 + 6 / 110 + 8 / 120 + 9 / 130) / 4)
    assert json.loads((run_dir / "status.json").read_text())["status"] == "ok"
    provenance = json.loads((run_dir / "provenance.json").read_text())
    assert provenance["seed"] == 0 and provenance["task"] == "demo"
    assert provenance["inputs"][str((tiny_mine / "production.parquet").resolve())] == before["production.parquet"]
    assert pl.read_parquet(run_dir / "tables" / "daily.parquet").height == 5
    assert (run_dir / ".hydra" / "overrides.yaml").exists()
    assert not list(run_dir.rglob("*.tmp")), "atomic writes leave no temp files"
    assert {p.name: sha256_file(p) for p in tiny_mine.iterdir()} == before, "inputs are never modified"


@pytest.mark.parametrize(
    "override, message",
    [
        ("foo=1", "foo: unknown key; expected one of: cost, costs, data, objective, report, seed, task_name"),
        ("seed=abc", "seed=abc: not an integer; expected an integer, e.g. seed=3"),
        ("data=nope", "expected one of: duckdb, parquet_dir, postgres, synthetic"),
        ("data=parquet_dir", "data.dir is not set"),
        ("data.dir=${oc.env:MINECTL_SURELY_UNSET}", "MINECTL_SURELY_UNSET"),
        ("+hydra.callbacks.evil._target_=os.system", "'os.system' is not allowed"),
        ("seed=1,2,x", "seed=x: not an integer; expected an integer, e.g. seed=3"),
        ("data.dir=[1", "cannot parse override 'data.dir=[1'"),
        ("~cost.top_anomalies", "~cost.top_anomalies: a key of the schema cannot be deleted, the task reads it; expected a value"),
        ("~costs.resources.management", "'management' is not declared in costs.resources"),
    ],
)
def test_bad_overrides_fail_in_one_line(cli, override, message, tmp_path):
    result = cli("demo", override, f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "run" / "metrics.json").exists()


@pytest.mark.parametrize("overrides", [["data=parquet_dir", "data.synthetic.years=1"], ["data.synthetic.years=1", "data=duckdb"]])
def test_a_key_under_a_null_node_fails_in_one_line_naming_the_override(cli, overrides, tmp_path):
    # parquet_dir and duckdb sources leave data.synthetic null: OmegaConf asserts, Hydra lets it through
    result = cli("demo", *overrides, f"hydra.run.dir={tmp_path / 'run'}")
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert lines[0] == (
        "error: data.synthetic.years=1: 'data.synthetic' is null in this config; expected a key that exists "
        "(keys under a null node cannot be set)"
    )


def test_bad_data_fails_in_one_line_during_the_run(cli, tmp_path):
    (tmp_path / "empty").mkdir()  # a folder (checked before the run), found to hold no table when the run reads it
    result = cli("demo", "data=parquet_dir", f"data.dir={tmp_path / 'empty'}", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 2
    assert result.output.strip() == ("error: data has no 'production' table; expected a source for it (data.tables.production "
                                     "or production.parquet in data.dir)")
    assert json.loads((tmp_path / "run" / "status.json").read_text())["status"] == "failed"


def test_cfg_job_prints_the_composed_config(cli, tmp_path):
    result = cli("demo", "seed=7", "--cfg", "job")
    assert result.exit_code == 0
    assert "seed: 7" in result.output and "task_name: demo" in result.output


def test_config_dir_adds_an_experiment(cli, tiny_mine, tmp_path):
    extra = tmp_path / "conf" / "experiment"
    extra.mkdir(parents=True)
    (extra / "mine_a.yaml").write_text(
        f"# @package _global_\ndefaults:\n  - override /data: parquet_dir\ndata:\n  dir: {tiny_mine}\nseed: 3\n"
    )
    run_dir = tmp_path / "run"
    result = cli("demo", "-cd", tmp_path / "conf", "+experiment=mine_a", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    assert json.loads((run_dir / "provenance.json").read_text())["seed"] == 3
    assert cli("verify", run_dir).exit_code == 0


def test_multirun_lists_failed_jobs_and_keeps_the_others(cli, tiny_mine, tmp_path):
    sweep = tmp_path / "sweep"
    (tmp_path / "empty").mkdir()  # its lack of tables is found by the job that reads it
    result = cli("demo", "-m", "data=parquet_dir", f"data.dir={tiny_mine},{tmp_path / 'empty'}", f"hydra.sweep.dir={sweep}")
    assert result.exit_code == 1
    summary = pl.read_parquet(sweep / "summary.parquet").sort("job")
    assert summary["status"].to_list() == ["ok", "failed"]
    assert summary["data.dir"].to_list() == [str(tiny_mine), str(tmp_path / "empty")]
    assert summary["cost.total"].to_list() == [2975.0, None]
    assert "data has no 'production' table" in summary["error"][1]


def test_joblib_multirun_runs_two_jobs_in_parallel(cli, tiny_mine, tmp_path):
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    sweep = tmp_path / "sweep"
    result = cli(
        "demo", "-m", "data=parquet_dir", f"data.dir={tiny_mine}", "seed=0,1",
        "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={sweep}",
    )
    assert result.exit_code == 0, result.output
    summary = pl.read_parquet(sweep / "summary.parquet").sort("job")
    assert summary["seed"].to_list() == ["0", "1"] and summary["status"].to_list() == ["ok", "ok"]
    assert (sweep / "0" / ".hydra" / "hydra.yaml").read_text().count("joblib") >= 1


def test_summarize_rebuilds_a_crashed_sweep(cli, tiny_mine, tmp_path):
    sweep = tmp_path / "sweep"
    assert cli("demo", "-m", "data=parquet_dir", f"data.dir={tiny_mine}", "seed=0,1", f"hydra.sweep.dir={sweep}").exit_code == 0
    (sweep / "1" / "status.json").unlink()  # as if the job had been killed
    (sweep / "summary.parquet").unlink()
    result = cli("summarize", sweep, "--by", "seed")
    assert result.exit_code == 1, result.output  # a job did not finish
    summary = pl.read_parquet(sweep / "summary.parquet").sort("job")
    assert summary["status"].to_list() == ["ok", "incomplete"]
    assert "cost.unit_mean" in result.output and "2975 (one job)" in result.output  # many metrics: one row each; one job per seed: no sd
    table3 = cli("summarize", sweep, "--by", "seed", "--metric", "cost.total", "--metric", "cost.days")
    assert table3.exit_code == 1 and "2975 (one job)" in table3.output and "5 (one job)" in table3.output
    assert cli("summarize", sweep, "--metric", "nope").exit_code == 2
    assert cli("summarize", tmp_path / "nowhere").exit_code == 2
    assert "not an override" in cli("summarize", sweep, "--by", "model").output


def test_verify_detects_a_changed_metric(cli, tiny_mine, tmp_path):
    run_dir = tmp_path / "run"
    assert cli("demo", "data=parquet_dir", f"data.dir={tiny_mine}", f"hydra.run.dir={run_dir}").exit_code == 0
    assert cli("verify", run_dir).exit_code == 0
    metrics = read_metrics(run_dir)
    metrics["cost.unit_mean"] *= 1 + 1e-9
    (run_dir / "metrics.json").write_text(json.dumps(metrics))
    result = cli("verify", run_dir)
    assert result.exit_code == 1 and "cost.unit_mean" in result.output
    assert cli("verify", run_dir, "--rtol", "1e-6").exit_code == 0
    assert cli("verify", tmp_path).exit_code == 2


def test_secrets_from_the_environment_are_not_saved(cli, tiny_mine, tmp_path, monkeypatch):
    monkeypatch.setenv("MINECTL_TEST_SECRET_DIR", str(tiny_mine))
    run_dir = tmp_path / "run"
    result = cli("demo", "data=parquet_dir", "data.dir=${oc.env:MINECTL_TEST_SECRET_DIR}", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    saved = "".join(p.read_text() for p in (run_dir / ".hydra").iterdir())
    assert "${oc.env:MINECTL_TEST_SECRET_DIR}" in saved and str(tiny_mine) not in saved
    written = "".join(p.read_bytes().decode("utf-8", "replace") for p in run_dir.rglob("*") if p.is_file())
    assert str(tiny_mine) not in written + result.output  # provenance.json names the inputs as ***/<file>
    assert "***/production.parquet" in (run_dir / "provenance.json").read_text()


def test_data_synth_writes_canonical_tables_that_load_back(cli, tmp_path):
    out = tmp_path / "synthetic"
    result = cli("data", "synth", "--out", out, "--years", "0.25", "--seed", "3")
    assert result.exit_code == 0, result.output
    run_dir = tmp_path / "run"
    assert cli("demo", "data=parquet_dir", f"data.dir={out}", f"hydra.run.dir={run_dir}").exit_code == 0
    assert read_metrics(run_dir)["cost.days"] == pl.read_parquet(out / "production.parquet").height
    assert cli("data", "synth", "--out", out, "--start", "someday").exit_code == 2


def test_data_synth_into_a_place_it_cannot_write_fails_in_one_line(cli, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    result = cli("data", "synth", "--out", blocker / "synthetic", "--years", "0.25")
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert lines[0].startswith(f"error: --out {blocker / 'synthetic'}: cannot write there (")
    assert blocker.read_text() == "not a folder" and list(tmp_path.iterdir()) == [blocker]


@pytest.mark.parametrize("args", [["hydra.run.dir={bad}"], ["-m", "seed=1,2", "hydra.sweep.dir={bad}"]])
def test_an_output_folder_that_cannot_be_made_fails_in_one_line_before_the_work(cli, tmp_path, args):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    bad = blocker / "run"
    result = cli("demo", *(a.format(bad=bad) for a in args))
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert lines[0] == f"error: {args[-1].split('=')[0]}={bad}: cannot make that folder ({blocker} is not a writable folder); expected a writable place"
    assert cli("demo", "--cfg", "job", f"hydra.run.dir={bad}").exit_code == 0  # printing the config writes nothing


@pytest.mark.parametrize("args", [["hydra.run.dir="], ["hydra.run.dir=' '"], ["-m", "seed=1,2", "hydra.sweep.dir="]])
def test_an_empty_output_folder_is_refused_not_taken_for_the_working_folder(cli, tmp_path, monkeypatch, args):
    """An unset shell variable (hydra.run.dir=$OUT) wrote the run's files among the working folder's."""
    monkeypatch.chdir(tmp_path)
    result = cli("demo", "debug=quick", *args)
    key = args[-1].split("=")[0]
    assert result.exit_code == 2 and result.output.strip() == (f"error: {key} is empty; expected a folder (an unset shell "
                                                               f"variable? {key}=. writes into this folder)"), result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("error", ["DataError", "RuntimeError"])
def test_a_run_that_fails_after_writing_tables_leaves_no_partial_results(cli, tiny_mine, tmp_path, monkeypatch, error):
    import minectl.costing.report as report
    from minectl import errors

    def fail(*args, **kwargs):  # the cost task has written its three tables by now
        raise getattr(errors, error, RuntimeError)("plotting failed")

    monkeypatch.setattr(report, "plot_daily_cost", fail)
    run_dir = tmp_path / "run"
    result = CliRunner().invoke(app, ["demo", "data=parquet_dir", f"data.dir={tiny_mine}", f"hydra.run.dir={run_dir}"])
    assert result.exit_code != 0
    left = sorted(p.name for p in run_dir.iterdir())
    assert left == [".hydra", "demo.log", "status.json"] or left == [".hydra", "status.json"], left
    assert json.loads((run_dir / "status.json").read_text())["status"] == "failed"


def test_compare_metrics_skips_only_wall_clock_values():
    from minectl.results import compare_metrics, is_timing

    saved = {"schedule.seconds": 1.0, "schedule.upit.solve_ms": 20.0, "kge.transe.fit_seconds": 3.0, "schedule.upit.value": 5.0}
    replay = {"schedule.seconds": 2.0, "schedule.upit.solve_ms": 31.0, "kge.transe.fit_seconds": 4.0, "schedule.upit.value": 5.0}
    assert compare_metrics(saved, replay) == []
    assert compare_metrics(saved, {**replay, "schedule.upit.value": 6.0}) == [("schedule.upit.value", 5.0, 6.0)]
    assert compare_metrics(saved, {k: v for k, v in replay.items() if k != "schedule.seconds"}) == [("schedule.seconds", 1.0, None)]
    assert not is_timing("cost.seconds_total") and not is_timing("risk.lead_ms_count")
