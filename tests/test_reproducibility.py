"""Reproducibility of runs and sweeps: `verify` replays a run as it was made, and `summarize`
reports a damaged sweep as it is (its numbers are the jobs' metrics.json, a job's missing
results are never an ok row)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import read_metrics, write_tiny_mine


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, cli_module):
    """A three-job demo sweep on a tiny mine, made once."""
    root = tmp_path_factory.mktemp("repro")
    mine = write_tiny_mine(root / "mine")
    folder = root / "sweep"
    result = cli_module("demo", "-m", "data=parquet_dir", f"data.dir={mine}", "seed=0,1,2", "report=false",
                        f"hydra.sweep.dir={folder}")
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def cli_module():
    from typer.testing import CliRunner

    from minectl.cli import app

    return lambda *args: CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def _copy(sweep: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(sweep, tmp_path / "sweep"))


def test_the_summary_holds_each_jobs_metrics(sweep, cli_module, tmp_path):
    copy = _copy(sweep, tmp_path)
    assert cli_module("summarize", copy).exit_code == 0
    summary = pl.read_parquet(copy / "summary.parquet").sort("job")
    assert summary["job"].to_list() == ["0", "1", "2"] and summary["status"].to_list() == ["ok"] * 3
    for row in summary.iter_rows(named=True):
        metrics = read_metrics(copy / row["job"])
        assert metrics and {key: row[key] for key in metrics} == metrics
    assert summary["cost.total"].n_unique() == 1  # the tiny mine's costs are not random: the same in every job


def test_an_ok_job_whose_metrics_are_gone_is_not_reported_ok(sweep, cli_module, tmp_path):
    copy = _copy(sweep, tmp_path)
    (copy / "1" / "metrics.json").unlink()
    result = cli_module("summarize", copy)
    assert result.exit_code == 1, result.output
    rows = pl.read_parquet(copy / "summary.parquet").sort("job").select("job", "status", "error").rows()
    assert rows[1] == ("1", "incomplete", "status.json says ok but metrics.json is missing")
    assert [r[1] for r in rows] == ["ok", "incomplete", "ok"]
    assert "Traceback" not in result.output


def test_a_removed_job_folder_is_not_a_job_that_never_started(sweep, cli_module, tmp_path):
    copy = _copy(sweep, tmp_path)
    shutil.rmtree(copy / "1")  # job 2 ran after it: job 1 did start (the last job's folder gone reads "not started")
    result = cli_module("summarize", copy)
    assert result.exit_code == 1, result.output
    rows = pl.read_parquet(copy / "summary.parquet").sort("job").select("job", "status").rows()
    assert rows == [("0", "ok"), ("1", "missing"), ("2", "ok")]
    assert "job 1 missing: no job folder, though a later job has one (removed?)" in " ".join(result.output.split())


def test_a_job_stopped_as_it_started_is_incomplete_not_missing(sweep, cli_module, tmp_path):
    """Its folder there, Hydra's .hydra/overrides.yaml not yet written: it was read as a removed folder."""
    copy = _copy(sweep, tmp_path)
    for path in (copy / "1").iterdir():
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    result = cli_module("summarize", copy)
    assert result.exit_code == 1, result.output
    rows = pl.read_parquet(copy / "summary.parquet").sort("job").select("job", "status").rows()
    assert rows == [("0", "ok"), ("1", "incomplete"), ("2", "ok")]
    assert "job 1 incomplete: no .hydra/overrides.yaml: the job was stopped as it started" in " ".join(result.output.split())


def test_verify_replays_from_the_runs_working_dir(cli_module, tmp_path, monkeypatch):
    """A run that named its data relative to its working dir verifies from any other one."""
    made_in, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    write_tiny_mine(made_in / "mine")
    elsewhere.mkdir()
    monkeypatch.chdir(made_in)
    run = made_in / "run"
    assert cli_module("cost", "data=parquet_dir", "data.dir=mine", "report=false", f"hydra.run.dir={run}").exit_code == 0
    monkeypatch.chdir(elsewhere)
    result = cli_module("verify", run)
    assert result.exit_code == 0, result.output
    assert "reproduced" in result.output
    assert Path.cwd() == elsewhere  # verify leaves the caller's working dir as it was
    saved = json.loads((run / "metrics.json").read_text())
    assert saved["cost.total"] > 0


def test_a_run_folder_cannot_name_itself_as_the_replays_working_dir(sweep, tmp_path):
    """hydra.yaml is untrusted: a working dir inside the run folder (its own files) is not used."""
    from omegaconf import OmegaConf

    from minectl.runfolder import read_run
    from minectl.tasks import TASKS

    job = Path(shutil.copytree(sweep / "0", tmp_path / "job"))
    hydra_file = job / ".hydra" / "hydra.yaml"
    assert read_run(job, tuple(TASKS)).cwd == Path.cwd()  # the sweep was made here
    for named, used in [(job, None), (job / ".hydra", None), (tmp_path, tmp_path), ("relative/dir", None)]:
        hydra = OmegaConf.load(hydra_file)
        hydra.hydra.runtime.cwd = str(named)
        OmegaConf.save(hydra, hydra_file)
        assert read_run(job, tuple(TASKS)).cwd == used, named


def test_the_replays_working_dir_lends_it_no_modules(tmp_path, monkeypatch):
    """A run folder names the folder `verify` replays from: under `python -c` ('' on the import
    path) a module planted there must not be importable while the replay runs."""
    import importlib
    import sys

    from minectl.cli import _working_dir

    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "minectl_planted_module.py").write_text("raise SystemExit('imported from the run folder')")
    monkeypatch.setattr(sys, "path", ["", *sys.path])
    start = Path.cwd()
    with _working_dir(planted):
        assert Path.cwd() == planted and "" not in sys.path
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module("minectl_planted_module")
    assert Path.cwd() == start and sys.path[0] == ""
