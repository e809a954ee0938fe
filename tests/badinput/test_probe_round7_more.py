"""Bad-input corpus, round 7, three left-overs.

hydra.job.chdir=true runs a job in its run folder: a relative input of the user's folder passed the
pre-check (run there) and was 'input not found' in the job (uncertainty's dataset.path, exit 2), a relative
data.dir 'data folder not found'; it resolves against the folder minectl was run from now, in both.

model/tagger.json of an extract run (49 KB by default) was read whole, whatever its size; it is capped at
64 MB now, as relations.json is.

The leakage check scored each feature on the validation part of a 30-row table (6 rows, 1 of the rarer
level): a column of random noise was named 'leakage? ... balanced accuracy 1.000'. With fewer than
MIN_LEVEL_ROWS validation rows of a level it says once that it cannot tell.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import invoke

from minectl.errors import DataError

ROOT = Path(__file__).resolve().parents[2]
PRICES = ROOT / "examples" / "data" / "pinksheet_coal" / "coal_monthly_usd_mt.csv"


def _inputs(run: Path) -> dict:
    return json.loads((run / "provenance.json").read_text())["inputs"]


# ----------------------------------------------------------- relative inputs under hydra.job.chdir=true

def test_a_relative_dataset_path_is_the_users_file_in_a_job_run_in_its_run_folder(tmp_path, monkeypatch):
    # before: exit 2, 'mine_coal.csv: input not found; expected an existing file ...' from inside the job
    shutil.copy(PRICES, tmp_path / "mine_coal.csv")
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "run"
    result = invoke("uncertainty", "debug=quick", "dataset.path=mine_coal.csv", "hydra.job.chdir=true", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert list(_inputs(run)) == [str(tmp_path / "mine_coal.csv")]


def test_a_relative_data_dir_is_the_users_folder_in_a_job_run_in_its_run_folder(tmp_path, monkeypatch):
    from conftest import write_tiny_mine

    # before: exit 2, 'mine: data folder not found; expected a folder of <table>.parquet files ...' from inside the job
    write_tiny_mine(tmp_path / "mine")
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "run"
    result = invoke("cost", "data=parquet_dir", "data.dir=mine", "hydra.job.chdir=true", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert str(tmp_path / "mine" / "production.parquet") in _inputs(run)


def test_a_missing_relative_input_is_still_refused_before_the_job_under_chdir(tmp_path, monkeypatch):
    from harness import assert_refused

    monkeypatch.chdir(tmp_path)
    run = tmp_path / "run"
    assert_refused(["uncertainty", "debug=quick", "dataset.path=gone.csv", "hydra.job.chdir=true", f"hydra.run.dir={run}"],
                   "gone.csv: not found; expected a file", run_dir=run)
    assert not run.exists()  # the pre-check's refusal: no job, no run folder


# ----------------------------------------------------------- tagger.json's size

def test_a_tagger_json_larger_than_any_run_writes_is_refused_before_it_is_read(tmp_path):
    from minectl.text.pipeline import load_tagger

    # before: read whole, then 'saved tagger unreadable (JSONDecodeError: ...)'
    meta = tmp_path / "tagger.json"
    with meta.open("wb") as file:  # sparse: 65 MB of zeros on no disk
        file.truncate(65 << 20)
    with pytest.raises(DataError) as refused:
        load_tagger(tmp_path)
    assert str(refused.value) == (f"{meta}: 65 MB, larger than the 64 MB a run's tagger.json may take (the default run's is 49 KB); "
                                  "expected the tagger files a `minectl factors extract` run writes")


# ----------------------------------------------------------- the leakage check on few validation rows

def _tiny_cases(path: Path) -> Path:
    """30 cases of a level 0/1 in turn, 17 columns that lean to the level and 60 of normal noise."""
    rng = np.random.default_rng(7)
    level = np.array([0, 1] * 15)
    columns = {"class": level, **{f"x{i}": rng.normal(size=30) + 0.5 * level for i in range(17)},
               **{f"noise{i}": rng.normal(size=30) for i in range(60)}}
    pl.DataFrame(columns).write_csv(path)
    return path


def test_the_leakage_check_says_once_it_cannot_tell_on_six_validation_rows(tmp_path):
    # before: "leakage? feature 'noise57' alone predicts the label with balanced accuracy 1.000 ..." (val: 5 rows of 0, 1 of 1)
    run = tmp_path / "run"
    result = invoke("risk", "risk.split=cv", "risk.window=1", "risk.lead_times=[0]", "risk.primary_lead=0", "risk.val_fraction=0.2",
                    "risk.input.kind=table", f"risk.input.path={_tiny_cases(tmp_path / 'cases.csv')}", "risk.labels.source=column",
                    "risk.labels.column=class", "risk.labels.levels=2", "risk.features.exclude=[]",
                    "risk.robustness.enabled=false", "risk.importance.enabled=false", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())  # rich wraps long lines
    assert "leakage?" not in output
    assert output.count("leakage check:") == 1
    assert ("leakage check: 3 validation rows of the rarest label level at lead 0, fewer than 5: too few to tell a feature that "
            "leaks the label from chance; no feature checked") in output
    assert "leakage" not in json.loads((run / "metrics.json").read_text())


def test_too_few_to_tell_counts_the_rarest_level_even_when_absent():
    from minectl.risk.leakage import MIN_LEVEL_ROWS, too_few_to_tell

    assert too_few_to_tell(np.array([0] * 9 + [1] * 5 + [2] * 5), 3) is None
    assert too_few_to_tell(np.array([0] * 9 + [1] * 5), 3).startswith(
        f"leakage check: 0 validation rows of the rarest label level at lead 0, fewer than {MIN_LEVEL_ROWS}:")
