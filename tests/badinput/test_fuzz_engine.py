"""Engine surfaces probed by mutation: `verify` of a run whose result files were edited, `summarize`
of an edited sweep folder, Hydra settings a run cannot be read back from, and `-cd` files that
Hydra or YAML 1.1 read otherwise than they look. Each test failed before its fix.
"""

from __future__ import annotations

import json
import shutil
from importlib.resources import files
from pathlib import Path

import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused, invoke

from minectl import runfolder


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A finished demo run and a three-job cost sweep (seed=0,1,2) on the tiny mine, made once."""
    root = tmp_path_factory.mktemp("engine")
    data = ["data=parquet_dir", f"data.dir={write_tiny_mine(root / 'mine')}"]
    for args in (["demo", *data, f"hydra.run.dir={root / 'run'}"],
                 ["cost", "-m", *data, "report=false", "seed=0,1,2", f"hydra.sweep.dir={root / 'sweep'}"]):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
    return {"root": root, "data": data, "run": root / "run", "sweep": root / "sweep"}


def copy_of(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / folder.name, symlinks=True))


def verify(*args) -> tuple[int, list[str]]:
    result = invoke("verify", *args)
    assert "Traceback" not in result.output
    return result.exit_code, result.output.splitlines()


# ---------------------------------------------------------------------------- verify compares result files


def test_verify_of_an_unchanged_run_counts_its_result_files(made):
    code, lines = verify(made["run"])
    assert code == 0 and lines[-1] == ("reproduced: 43 metrics identical, and 8 result files (tables by value, plots and "
                                       "report.html by presence, the others byte for byte)")


def _edit_daily(run: Path) -> None:
    daily = run / "tables" / "daily.parquet"
    frame = pl.read_parquet(daily)
    frame.with_columns(pl.when(pl.int_range(pl.len()) == 3).then(pl.col("cost") * 2).otherwise(pl.col("cost"))).write_parquet(daily)


def _nudge_config(run: Path) -> None:
    config = run / ".hydra" / "config.yaml"
    config.write_text(config.read_text().replace("seed: 0", "seed: 5"))


@pytest.mark.parametrize("damage, differs", [
    # before each fix: "reproduced: 47 metrics identical", exit 0
    (lambda run: shutil.rmtree(run / "tables"), "tables/daily.parquet: missing from the run folder; the replay wrote it"),
    (_edit_daily, "tables/daily.parquet: column cost: 1 of 5 rows differ (row 3: saved 1360.0, replay 680.0)"),
    (lambda run: shutil.copy(run / "tables" / "daily.parquet", run / "tables" / "daily_old.parquet"),
     "tables/daily_old.parquet: not written by the replay (added to the run folder since?)"),
    (lambda run: (run / "tables" / "ledger.parquet").write_bytes(b"PAR1 not a table PAR1"), "tables/ledger.parquet: not a readable parquet table"),
    (lambda run: (run / "plots" / "unit_cost.png").unlink(), "plots/unit_cost.png: missing from the run folder; the replay wrote it"),
    (_nudge_config, ".hydra/config.yaml: seed: 5 in the run's, 0 in the replay's"),  # the replay ran the overrides' seed 0
])
@pytest.mark.slow
def test_verify_names_a_result_file_that_differs_from_the_replays(made, tmp_path, damage, differs):
    run = copy_of(made["run"], tmp_path)
    damage(run)
    code, lines = verify(run)
    assert code == 1 and f"differs {differs}" in lines
    assert lines[-1].startswith("not reproduced: identical metrics, but ") and differs.split(":")[0] in lines[-1]


def test_verify_within_rtol_takes_a_table_within_it(made, tmp_path):
    run = copy_of(made["run"], tmp_path)
    daily = run / "tables" / "daily.parquet"
    pl.read_parquet(daily).with_columns(pl.col("cost") * (1 + 1e-12)).write_parquet(daily)
    assert verify(run, "--rtol", "1e-8")[0] == 0
    code, lines = verify(run)
    assert code == 1 and "differs tables/daily.parquet: column cost: 5 of 5 rows differ (row 0: saved 425.000000000425, replay 425.0)" in lines


def test_notes_beside_a_run_are_not_its_results(made, tmp_path):
    run = copy_of(made["run"], tmp_path)
    (run / "notes.txt").write_text("checked by the site engineer")
    (run / "demo.log").unlink()
    assert verify(run)[0] == 0


# ---------------------------------------------------------------------------- summarize of an edited sweep


def test_a_job_removed_from_a_sweep_without_multirun_yaml_is_missing(made, tmp_path):
    """Before: summarize listed jobs 0 and 2 as ok, exit 0."""
    sweep = copy_of(made["sweep"], tmp_path)
    (sweep / "multirun.yaml").unlink()
    shutil.rmtree(sweep / "1")
    result = invoke("summarize", sweep)
    assert result.exit_code == 1, result.output
    rows = pl.read_parquet(sweep / "summary.parquet").select("job", "status", "error").rows()
    assert rows == [("0", "ok", None), ("1", "missing", "no job folder, though a later job has one (removed?)"), ("2", "ok", None)]


def test_a_job_folder_replaced_by_a_link_is_missing(made, tmp_path):
    """Before: `incomplete: no .hydra/overrides.yaml: the job was stopped as it started`."""
    sweep = copy_of(made["sweep"], tmp_path)
    shutil.rmtree(sweep / "1")
    (sweep / "1").symlink_to(sweep / "0")
    assert invoke("summarize", sweep).exit_code == 1
    rows = pl.read_parquet(sweep / "summary.parquet").select("job", "status", "error").rows()
    assert rows[1] == ("1", "missing", "its folder is a link, not the job's own folder")


def test_a_metric_no_float_holds_is_one_line(made, tmp_path):
    """Before: OverflowError traceback in summarize, and in verify --rtol."""
    sweep = copy_of(made["sweep"], tmp_path)
    metrics = sweep / "1" / "metrics.json"
    metrics.write_text(metrics.read_text().replace('"cost.days": ', '"cost.huge": ' + "9" * 400 + ', "cost.days": '))
    expect = f"{metrics}: metric 'cost.huge' is an integer of 400 digits; expected numbers a float holds"
    assert_refused(["summarize", sweep], expect, inputs=[sweep / "1"])
    assert_refused(["verify", sweep / "1", "--rtol", "1e-9"], expect, inputs=[sweep / "1"])


@pytest.mark.slow
def test_a_shuffled_sweep_is_summarized(made, tmp_path):
    """Before: summarize drew the shuffle again and refused the sweep's own jobs (`are not job 0's overrides`),
    and the sweep itself ended with no summary.parquet."""
    sweep = tmp_path / "shuffled"
    result = invoke("cost", "-m", *made["data"], "report=false", "seed=shuffle(range(0,4))", f"hydra.sweep.dir={sweep}")
    assert result.exit_code == 0, result.output
    assert sorted(pl.read_parquet(sweep / "summary.parquet")["seed"].to_list()) == ["0", "1", "2", "3"]
    assert invoke("summarize", sweep).exit_code == 0


# ---------------------------------------------------------------------------- Hydra settings


@pytest.mark.parametrize("override, expect", [
    # before: every job ran, then summarize called each "incomplete: ... stopped as it started" and verify found no config
    ("hydra.output_subdir=null", "hydra.output_subdir=null: minectl reads a run's saved config from .hydra/"),
    ("hydra.output_subdir=meta", "hydra.output_subdir=meta: minectl reads a run's saved config from .hydra/"),
    # before: Hydra swept into hydra.sweep.dir, which the CLI never claimed (a second run overwrote its jobs)
    ("hydra.mode=MULTIRUN", "hydra.mode=MULTIRUN: a sweep is started with -m (--multirun)"),
])
def test_a_run_minectl_could_not_read_back_is_refused_before_any_work(made, tmp_path, override, expect):
    run, sweep = tmp_path / "run", tmp_path / "sweep"
    assert_refused(["cost", *made["data"], override, f"hydra.run.dir={run}", f"hydra.sweep.dir={sweep}"], expect, run_dir=run)
    assert not run.exists() and not sweep.exists()


def test_a_job_subdir_whose_dirname_leaves_out_the_swept_key_is_refused(made, tmp_path):
    """Before: both jobs wrote into the sweep folder itself (an empty dirname), the second over the first, and the
    sweep ended in `holds no jobs`."""
    sweep = tmp_path / "sweep"
    assert_refused(["cost", "-m", *made["data"], "seed=0,1", "hydra.sweep.subdir=${hydra.job.override_dirname}",
                    "hydra.job.config.override_dirname.exclude_keys=[seed,data,data.dir]", f"hydra.sweep.dir={sweep}"],
                   "hydra.sweep.subdir=${hydra.job.override_dirname}: the same folder for several jobs of this sweep")
    assert not sweep.exists()


@pytest.mark.slow
def test_a_sweep_without_minectls_summary_callback_still_says_its_failed_job(made, tmp_path):
    """Before: `~hydra.callbacks.sweep_summary` ended a sweep whose job 1 failed with exit 0, no table, no summary.parquet."""
    sweep = tmp_path / "sweep"
    result = invoke("cost", "-m", *made["data"], "report=false", "objective=cost.days,nope", "~hydra.callbacks.sweep_summary",
                    f"hydra.sweep.dir={sweep}")
    assert result.exit_code == 1, result.output
    assert pl.read_parquet(sweep / "summary.parquet").select("job", "status").rows() == [("0", "ok"), ("1", "failed")]


def test_a_value_naming_the_working_folder_through_hydra_is_legal(made, tmp_path, monkeypatch):
    """Before: `error: ValueError raised while resolving interpolation: HydraConfig was not set (key: data.dir)`."""
    monkeypatch.chdir(made["root"])
    run = tmp_path / "run"
    result = invoke("cost", "data=parquet_dir", "data.dir=${hydra:runtime.cwd}/mine", "report=false", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert json.loads((run / "metrics.json").read_text()) == json.loads((made["sweep"] / "0" / "metrics.json").read_text())


# ---------------------------------------------------------------------------- -cd files read otherwise than they look


EXPERIMENT = "# @package _global_\n"


@pytest.mark.parametrize("name, body, choose, expect", [
    # before: seed 15, silently
    ("experiment/mine.yaml", EXPERIMENT + "seed: 017\n", "+experiment=mine",
     "mine.yaml: 017 (line 2) is read by YAML 1.1 as 15 (octal); expected '017' quoted for a text, or 15 written out"),
    # before: seed 90, silently
    ("experiment/mine.yaml", EXPERIMENT + "seed: 1:30\n", "+experiment=mine", "mine.yaml: 1:30 (line 2) is read by YAML 1.1 as 90 (base 60)"),
    # before: `experiment/mine: experiment: unknown key` (the BOM hid the package line)
    ("experiment/mine.yaml", "\ufeff" + EXPERIMENT + "seed: 3\n", "+experiment=mine",
     "mine.yaml: starts with a byte-order mark, which hides its '# @package' line from Hydra"),
    # before: the packaged option ran, the user's file silently ignored
    ("costs/default.yaml", "currency: USD\nresources: {}\n", "costs=default",
     "costs/default.yaml: minectl's own costs=default is composed instead (packaged configs come first in Hydra's search path), "
     "so this file would be ignored; expected another name (costs/my_default.yaml, chosen with costs=my_default)"),
    ("experiment/taconite.yaml", EXPERIMENT + "seed: 9\n", "+experiment=taconite", "experiment=taconite is composed instead"),
])
def test_a_config_dir_file_read_otherwise_than_it_looks_is_refused(made, tmp_path, name, body, choose, expect):
    conf = tmp_path / "conf"
    (conf / name).parent.mkdir(parents=True)
    (conf / name).write_text(body, encoding="utf-8")
    run = tmp_path / "run"
    assert_refused(["cost", "-cd", conf, *made["data"], choose, f"hydra.run.dir={run}"], expect, inputs=[conf], run_dir=run)


def test_a_config_dir_may_hold_a_packaged_file_unchanged_and_plain_numbers(made, tmp_path):
    conf = tmp_path / "conf"
    (conf / "costs").mkdir(parents=True)
    (conf / "costs" / "default.yaml").write_bytes(files("minectl.conf").joinpath("costs", "default.yaml").read_bytes())
    (conf / "experiment").mkdir()
    (conf / "experiment" / "mine.yaml").write_text(EXPERIMENT + "seed: 0x10\nobjective: '1:30'\ncost:\n  outlier_window: 20\n")
    run = tmp_path / "run"
    result = invoke("cost", "-cd", conf, *made["data"], "report=false", "+experiment=mine", "objective=null", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert "seed: 16\n" in (run / ".hydra" / "config.yaml").read_text()


def test_a_big_file_without_aliases_is_not_said_to_hold_aliases(tmp_path, monkeypatch):
    """Before: `its aliases (*name) expand to more than 1,000,000 values` of a file of 500,000 plain keys."""
    monkeypatch.setattr(runfolder, "MAX_YAML_NODES", 100)
    conf = tmp_path / "conf"
    (conf / "costs").mkdir(parents=True)
    (conf / "costs" / "big.yaml").write_text("".join(f"k{i}: {i}\n" for i in range(60)))
    assert_refused(["cost", "-cd", conf, f"hydra.run.dir={tmp_path / 'run'}"],
                   "big.yaml: holds more than 100 values; expected a config file", inputs=[conf])


@pytest.mark.parametrize("override, key", [
    ("data.dsn=postgresql://minectl:${oc.env:MINECTL_TEST_UNSET_PW}@localhost:5432/mine", "data.dsn"),
    ("seed=${oc.env:MINECTL_TEST_UNSET_PW}", "seed"),
])
def test_an_unset_environment_variable_is_named_with_what_to_do(override, key, tmp_path, monkeypatch):
    """Was: `KeyError raised while resolving interpolation: "Environment variable '...' not found"`."""
    monkeypatch.delenv("MINECTL_TEST_UNSET_PW", raising=False)
    run = tmp_path / "run"
    args = ["cost", *(["data=postgres"] if key == "data.dsn" else []), override, f"hydra.run.dir={run}"]
    assert_refused(args, f"error: {key}: environment variable MINECTL_TEST_UNSET_PW is not set; expected it set "
                         "(export MINECTL_TEST_UNSET_PW=...), or a default: ${oc.env:MINECTL_TEST_UNSET_PW,DEFAULT}", run_dir=run)


def test_an_empty_objective_stops_a_sweep_before_any_job(tmp_path):
    """`objective=` failed each job only once it had run (`objective= is not a metric of this run`)."""
    sweep = tmp_path / "sweep"
    assert_refused(["cost", "-m", "objective=cost.days,''", f"hydra.sweep.dir={sweep}"],
                   "error: objective='': empty; expected a metric name of the run (e.g. objective=cost.total), or objective=null "
                   "for none", run_dir=sweep)
