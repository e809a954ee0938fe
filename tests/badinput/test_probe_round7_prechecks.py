"""Bad-input corpus, round 7 (pre-checks): an input file named by a config key (risk.input.path,
dataset.path, series, factors.extract.corpus and .dictionary, factors.sources.*, factors.kge.graph,
factors.entropy.*) was found missing, a folder or a dangling link only inside the job: in a sweep
the jobs before it had run and written their folders. Each is checked for every sweep value before
any job now: existence and kind, resolved as the job resolves it, nothing read.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from harness import QUICK_RISK, assert_refused

REPO = Path(__file__).resolve().parents[2]
COAL = "examples/data/pinksheet_coal/coal_monthly_usd_mt.csv"
NOT_FOUND = "not found; expected a file"
SEISMIC = ["+experiment=seismic_bumps", *QUICK_RISK]


def _dangling(tmp_path: Path, name: str) -> Path:
    link = tmp_path / name
    link.symlink_to(tmp_path / "gone")
    return link


# ------------------------------------------------------------------ one bad value of a sweep: no job runs

@pytest.mark.parametrize("task, key, good, bad, expect", [
    (["risk", *SEISMIC], "risk.input.path", "examples/data/seismic_bumps/seismic-bumps.arff", "missing.arff", NOT_FOUND),
    (["uncertainty", "debug=quick"], "dataset.path", COAL, "missing.csv", NOT_FOUND),
    (["forecast", "debug=quick", "forecaster=[naive]"], "series", "australia", "dangling.csv",
     "not found; expected a series file (looked for in the working dir, then in"),
    (["extract", "debug=quick"], "factors.extract.corpus", "examples/data/maintie/gold_release.json", "dangling.json", NOT_FOUND),
    (["factors", "debug=quick"], "factors.entropy.matrix", "conf/factors/seed001/table11.csv", "missing.csv", NOT_FOUND),
    (["factors", "debug=quick"], "factors.kge.graph", "mining", "missing", "not found; expected a folder"),
])
def test_a_swept_input_that_is_not_there_is_refused_before_any_job(task, key, good, bad, expect, tmp_path):
    bad_path = _dangling(tmp_path, bad) if bad.startswith("dangling") else tmp_path / bad
    sweep = tmp_path / "sweep"
    assert_refused([*task, "-m", f"{key}={good},{bad_path}", f"hydra.sweep.dir={sweep}"], f"{bad_path}: {expect}", run_dir=sweep)
    assert not sweep.exists()


# ------------------------------------------------------------------ a folder where a file is named, and back

@pytest.mark.parametrize("task, key", [
    (["risk", *SEISMIC], "risk.input.path"),
    (["uncertainty"], "dataset.path"),
    (["extract"], "factors.extract.corpus"),
    (["factors"], "factors.entropy.matrix"),
    (["factors"], "factors.entropy.factors"),
    (["factors"], "factors.sources.declared=[{}]"),
])
def test_a_folder_where_a_file_is_named_is_refused_before_the_run(task, key, tmp_path):
    folder, run = tmp_path / "data.csv", tmp_path / "run"
    folder.mkdir()
    override = key.format(folder) if "{}" in key else f"{key}={folder}"
    shown = "factors.sources.declared[0]" if "{}" in key else key
    assert_refused([*task, override, f"hydra.run.dir={run}"], f"{shown}: {folder}: a folder; expected a file", inputs=[folder])
    assert not run.exists()


def test_a_file_where_the_benchmark_folder_is_named_is_refused_before_the_run(tmp_path):
    splits, run = tmp_path / "train.txt", tmp_path / "run"
    splits.write_text("a\tr\tb\n")
    assert_refused(["factors", f"factors.kge.graph={splits}", f"hydra.run.dir={run}"],
                   f"factors.kge.graph: {splits}: a file; expected a folder", inputs=[splits])
    assert not run.exists()


@pytest.mark.parametrize("key", ["factors.sources.data", "factors.sources.text"])
def test_a_missing_run_folder_or_table_of_the_factors_is_refused_before_the_run(key, tmp_path):
    run = tmp_path / "run"
    assert_refused(["factors", f"{key}={tmp_path / 'cost_run'}", f"hydra.run.dir={run}"], f"{tmp_path / 'cost_run'}: not found; expected a file or folder")
    assert not run.exists()


def test_a_missing_user_dictionary_is_refused_before_the_run(tmp_path):
    run = tmp_path / "run"
    assert_refused(["extract", f"factors.extract.dictionary={tmp_path / 'terms.tsv'}", f"hydra.run.dir={run}"],
                   f"{tmp_path / 'terms.tsv'}: {NOT_FOUND}")
    assert not run.exists()


# ------------------------------------------------------------------ what must still pass, or say its own line

def test_a_relative_input_is_found_as_the_job_finds_it(tmp_path, monkeypatch):
    """examples/... from another working dir: found under the checkout, as the job finds it (the
    run then stops on the next check, a wrong statistic)."""
    monkeypatch.chdir(tmp_path)
    assert_refused(["uncertainty", f"dataset.path={COAL}", "uncertainty.statistic=mode", f"hydra.run.dir={tmp_path / 'run'}"],
                   "uncertainty.statistic='mode'; expected one of mean, median, std, quantile")


def test_the_shared_data_of_an_environment_value_is_found_or_said_missing(tmp_path, monkeypatch):
    """conf/dataset/equipment_failures.yaml: ${oc.env:MINECTL_SHARED_DATA,...}; the variable's folder is
    the one checked (absent: the job's own line, the variable's value shown as *** as every ${oc.env:...}
    value is; there: the next check speaks)."""
    monkeypatch.setenv("MINECTL_SHARED_DATA", str(tmp_path / "shared"))
    kumar = tmp_path / "shared" / "equipment_failures" / "kumar1989_LHD_failures.csv"
    args = ["uncertainty", "dataset=equipment_failures", "uncertainty.statistic=mode", f"hydra.run.dir={tmp_path / 'run'}"]
    assert_refused(args, f"***/equipment_failures/kumar1989_LHD_failures.csv: {NOT_FOUND}", secrets=[str(tmp_path / "shared")])
    kumar.parent.mkdir(parents=True)
    shutil.copy(REPO / COAL, kumar)
    assert_refused(args, "uncertainty.statistic='mode'")


def test_an_unset_dataset_path_still_says_its_missing_value(tmp_path):
    assert_refused(["uncertainty", "dataset=cost_daily", f"hydra.run.dir={tmp_path / 'run'}"],
                   "missing value for 'dataset.path': set it with dataset.path=...")


def test_a_swept_unset_table_path_is_refused_before_any_job(tmp_path):
    sweep = tmp_path / "sweep"
    assert_refused(["risk", *SEISMIC, "-m", "risk.input.path=examples/data/seismic_bumps/seismic-bumps.arff,null",
                    f"hydra.sweep.dir={sweep}"], "risk.input.path: not set; expected a .arff, .csv, .tsv or .parquet file", run_dir=sweep)
    assert not sweep.exists()


def test_a_swept_table_file_of_the_mine_is_refused_before_any_job(tmp_path):
    """data.tables.<table>.path (kind csv, parquet or duckdb) in the readers' words, before any job (after the diff to
    minectl/data/mine.py and sources.py)."""
    sweep, missing = tmp_path / "sweep", tmp_path / "nope.csv"
    assert_refused(["cost", "-m", "+experiment=taconite", "debug=quick",
                    f"data.tables.consumption_daily.path=examples/data/taconite/consumption_daily.csv,{missing}",
                    f"hydra.sweep.dir={sweep}"],
                   f"data.tables.consumption_daily: {missing}: not found; expected an existing csv file", run_dir=sweep)
    assert not sweep.exists()
