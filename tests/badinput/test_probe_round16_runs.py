"""Round 16, runs: a run page drawn from tables removed, edited or added since the run (status.json lists
the tables the run wrote, with their sha256), the joblib launcher's settings checked before the sweep's
folder is made (and the thread hints it never reads refused), and a sweep's settings in a single run."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused, invoke, status_on_page

TABLES = ["anomalies.parquet", "daily.parquet", "ledger.parquet", "realism.parquet"]  # what a demo run writes


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    run = root / "run"
    result = invoke("demo", "data=parquet_dir", f"data.dir={write_tiny_mine(root / 'mine')}", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return run


@pytest.fixture(scope="module")
def mine(tmp_path_factory) -> Path:
    return write_tiny_mine(tmp_path_factory.mktemp("mine") / "mine")



# ------------------------------------------------------------------ the tables a run page is drawn from

def test_status_json_lists_each_table_the_run_wrote_with_its_sha256(demo):
    saved = json.loads((demo / "status.json").read_text())["tables_sha256"]
    assert saved == {name: hashlib.sha256((demo / "tables" / name).read_bytes()).hexdigest() for name in TABLES}


def edit_one_cost(path: Path) -> None:
    frame = pl.read_parquet(path)
    column = next(c for c, t in frame.schema.items() if t.is_float())
    frame.with_columns(pl.col(column) + 1.0).write_parquet(path)


@pytest.mark.parametrize("damage, expect", [
    (lambda run: shutil.rmtree(run / "tables"), "tables/anomalies.parquet is missing"),  # before: "ok", a page without tables
    (lambda run: (run / "tables" / "ledger.parquet").unlink(), "tables/ledger.parquet is missing"),
    (lambda run: shutil.copy(run / "tables" / "daily.parquet", run / "tables" / "extra.parquet"),
     "tables/extra.parquet was not written by the run"),
    (lambda run: edit_one_cost(run / "tables" / "daily.parquet"), "tables/daily.parquet differs from the one the run wrote"),
])
def test_a_run_page_drawn_from_tables_changed_since_the_run_is_not_called_ok(demo, tmp_path, damage, expect):
    run = Path(shutil.copytree(demo, tmp_path / "run"))
    damage(run)
    assert status_on_page(run) == ("edited", f"{expect} (status.json's sha256); `minectl verify` replays the run")


def test_a_run_page_of_the_runs_own_tables_is_ok(demo, tmp_path):
    run = Path(shutil.copytree(demo, tmp_path / "run"))
    assert status_on_page(run) == ("ok", "")


def test_a_run_of_an_earlier_version_without_the_tables_list_is_taken_as_it_is(demo, tmp_path):
    """Its status.json has no tables_sha256: nothing to compare with, as with its metrics."""
    run = Path(shutil.copytree(demo, tmp_path / "run"))
    status = json.loads((run / "status.json").read_text())
    del status["tables_sha256"]
    (run / "status.json").write_text(json.dumps(status))
    (run / "tables" / "ledger.parquet").unlink()
    assert status_on_page(run) == ("ok", "")


@pytest.mark.parametrize("tables", [["daily.parquet"], {"../x.parquet": "0" * 64}, {"daily.parquet": "abc"}, {"daily.csv": "0" * 64}])
def test_a_tables_list_of_another_shape_is_one_line(demo, tmp_path, tables):
    run = Path(shutil.copytree(demo, tmp_path / "run"))
    status = json.loads((run / "status.json").read_text())
    (run / "status.json").write_text(json.dumps(status | {"tables_sha256": tables}))
    assert_refused(["report", run], [f"{run / 'status.json'}: 'tables_sha256' is", "table names (x.parquet)"], exit_code=2)


# ------------------------------------------------------------------ hydra/launcher=joblib's settings

@pytest.mark.parametrize("setting, expect", [
    # before: exit 1 after the sweep's folder and multirun.yaml were made ("the sweeper stopped: ValueError ...")
    ("hydra.launcher.n_jobs=0", "hydra.launcher.n_jobs=0: no worker would run a job"),
    ("hydra.launcher.batch_size=0", "hydra.launcher: batch_size must be 'auto' or a positive integer, got: 0"),
    # before: run as loky processes, the setting read by nothing (the launcher sets backend=loky itself)
    ("hydra.launcher.backend=threading", "hydra.launcher.backend=threading: the joblib launcher always runs"),
    # before: every job stopped by a TimeoutError
    ("hydra.launcher.timeout=0", "hydra.launcher.timeout=0.0: every job would time out"),
    # before: not read until the sweep started (an older joblib evaluated it with eval)
    ("hydra.launcher.pre_dispatch='__import__(\"os\")'", "hydra.launcher.pre_dispatch=__import__(\"os\"): expected all"),
])
def test_a_joblib_setting_that_would_stop_or_mislead_the_sweep_is_refused_before_its_folder(mine, tmp_path, setting, expect):
    sweep = tmp_path / "sweep"
    assert_refused(["demo", "-m", "data=parquet_dir", f"data.dir={mine}", "seed=0", "hydra/launcher=joblib", setting,
                    f"hydra.sweep.dir={sweep}"], expect, inputs=[mine])
    assert not sweep.exists()


def test_joblib_settings_joblib_runs_are_taken(mine, tmp_path):
    """The near miss: every setting of the launcher at a value joblib runs (the sweep's checks, no job)."""
    from minectl.cli import precheck

    settings = ["hydra.launcher.n_jobs=-2", "hydra.launcher.backend=loky", "hydra.launcher.prefer=processes",
                "hydra.launcher.batch_size=1", "hydra.launcher.pre_dispatch=3*n_jobs", "hydra.launcher.max_nbytes=1M",
                "hydra.launcher.timeout=600", "hydra.launcher.mmap_mode=r+"]
    precheck("demo", ["data=parquet_dir", f"data.dir={mine}", "seed=0", "hydra/launcher=joblib", *settings,
                      f"hydra.sweep.dir={tmp_path / 'sweep'}"], None, multirun=True)
    assert not (tmp_path / "sweep").exists()


# ------------------------------------------------------------------ a sweep's settings in a single run

@pytest.mark.parametrize("settings", [
    ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],  # before: one run in this process, n_jobs read by nothing
    ["hydra.sweep.dir=SWEEP"],
])
def test_a_sweeps_setting_without_m_is_refused(mine, tmp_path, settings):
    settings = [s.replace("SWEEP", str(tmp_path / "sweep")) for s in settings]
    assert_refused(["demo", "data=parquet_dir", f"data.dir={mine}", *settings, f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{settings[0]}: a sweep's setting, read only with -m (--multirun)", inputs=[mine], run_dir=tmp_path / "run")
    assert not (tmp_path / "run").exists() and not (tmp_path / "sweep").exists()


def test_a_sweeps_setting_is_still_printed_by_cfg_without_m():
    result = invoke("demo", "hydra/launcher=joblib", "--cfg", "hydra", "--package", "hydra.launcher")
    assert result.exit_code == 0, result.output
    assert "JoblibLauncher" in result.output


# ------------------------------------------------------------------ names and paths longer than the OS takes

def test_a_run_folder_name_over_255_bytes_is_refused_before_the_run(mine, tmp_path):
    """Before: an OSError traceback (ENAMETOOLONG). Counted in bytes: 128 é are 256 bytes (a value with é is quoted)."""
    for name in ["é" * 128]:
        assert_refused(["demo", "data=parquet_dir", f"data.dir={mine}", f"hydra.run.dir='{tmp_path / name}'"],
                       f"hydra.run.dir: a folder name of 256 bytes ({name[:24]}...); expected names of at most 255 bytes",
                       inputs=[mine])
    assert list(tmp_path.iterdir()) == []


def test_a_run_folder_path_past_the_systems_limit_is_refused(mine, tmp_path):
    deep = tmp_path.joinpath(*["b" * 200] * 20)
    assert_refused(["demo", "data=parquet_dir", f"data.dir={mine}", f"hydra.run.dir={deep}"],
                   f"hydra.run.dir: a path of {len(str(deep))} bytes; expected at most 3839 (the system's limit less room",
                   inputs=[mine])
    assert list(tmp_path.iterdir()) == []


def test_a_job_subdir_name_over_255_bytes_is_refused_before_the_sweep(mine, tmp_path):
    assert_refused(["demo", "-m", "data=parquet_dir", f"data.dir={mine}", "seed=0,1", f"hydra.sweep.dir={tmp_path / 'sweep'}",
                    "hydra.sweep.subdir=" + "a" * 255 + "${hydra.job.num}"],
                   "hydra.sweep.subdir: a folder name of 256 bytes", inputs=[mine])
    assert not (tmp_path / "sweep").exists()


def test_names_of_255_bytes_are_taken(mine, tmp_path):
    """The near miss: 255 bytes, also as 127 é and an 'a' (the run's checks; no run)."""
    from minectl.cli import precheck

    for name in ["é" * 127 + "a"]:
        folder, _ = precheck("demo", ["data=parquet_dir", f"data.dir={mine}", f"hydra.run.dir='{tmp_path / name}'"], None,
                             output_key="hydra.run.dir")
        assert folder == tmp_path / name


@pytest.mark.parametrize("args, shown", [
    (["report", "LONG"], "FOLDER"), (["summarize", "LONG"], "SWEEP_DIR"), (["verify", "LONG"], "RUN_DIR"),
    (["risk", "predict", "LONG"], "RUN_DIR"), (["verify", "RUN", "--out", "LONG"], "--out"),
])
def test_a_folder_argument_named_past_the_limit_is_one_line(demo, tmp_path, args, shown):
    long = tmp_path / ("a" * 300)  # before: an OSError traceback from the first look at it
    args = [str(long) if a == "LONG" else demo if a == "RUN" else a for a in args]
    assert_refused(args, f"{shown}: a folder name of 300 bytes", inputs=[demo])
