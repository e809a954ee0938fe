"""Bad-input corpus, round 5: saved run folders of the newer commands, past test_run_folders.py,
test_fuzz_run_folders.py, test_special_files.py and tests/schedule/test_saved_surrogates.py. A named
pipe where a saved file was hung `schedule loop.surrogates_from=` (estimator.json),
`factors extract predict` (tagger.crfsuite), `report` and `verify` (a table) until killed; a link to
/dev/zero as a surrogate's estimator.json read until memory ran out; a pipe as the relation
classifier made `predict` leave the classifier out, exit 0. `report` embedded a table linked from
outside the folder (another run's, any parquet file of the machine) and read a folder named like a
table as one table, exit 0. Each is now one line naming the file and what it is. `verify --rtol inf`
(or nan) said "reproduced ... within rtol=inf" whatever the metrics: now refused, expecting a
tolerance >= 0 and < 1. A pipe in a risk run's model/ is refused before the loader reads it as well.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from harness import assert_refused, invoke


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """A quick schedule, extract, forecast and risk run, by name, for tests that damage copies of them."""
    root = tmp_path_factory.mktemp("made")
    runs = {"schedule": ["schedule", "schedule.problems=[]"], "extract": ["factors", "extract"], "forecast": ["forecast"],
            "risk": ["risk"]}
    for name, args in runs.items():
        result = invoke(*args, "debug=quick", f"hydra.run.dir={root / name}")
        assert result.exit_code == 0, result.output
    return {name: root / name for name in runs}


def _copy(run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run, tmp_path / run.name, symlinks=True))


def _pipe(path: Path) -> Path:
    path.unlink()
    os.mkfifo(path)
    return path


def _device(path: Path) -> Path:
    path.unlink()
    path.symlink_to("/dev/zero")
    return path


@pytest.mark.parametrize("damage, kind", [(_pipe, "a named pipe"), (_device, "a character device")])
def test_a_surrogate_file_that_is_a_pipe_or_device_is_refused(damage, kind, made, tmp_path, deadline):
    saved = _copy(made["schedule"], tmp_path)
    damage(saved / "models" / "grade" / "estimator.json")
    assert_refused(["schedule", "debug=quick", "schedule.problems=[]", f"loop.surrogates_from={saved}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{saved}/models/grade/estimator.json: {kind}; expected the grade surrogate a `minectl schedule` run saves in models/grade/",
                   inputs=[saved], run_dir=tmp_path / "run")


@pytest.mark.parametrize("name", ["tagger.crfsuite", "relations.json"])
def test_a_saved_tagger_file_that_is_a_pipe_is_refused(name, made, tmp_path, deadline):
    saved = _copy(made["extract"], tmp_path)
    pipe = _pipe(saved / "model" / name)
    notes = tmp_path / "notes.txt"
    notes.write_text("replace the hydraulic pump on truck 12\n")
    assert_refused(["factors", "extract", "predict", saved, f"factors.extract.text={notes}", f"out={tmp_path / 'out'}"],
                   f"{pipe}: a named pipe; expected the tagger files a `minectl factors extract` run writes", inputs=[notes, saved])
    assert not (tmp_path / "out").exists()


def _outside(table: Path) -> Path:
    other = table.parent.parent.parent / "other.parquet"
    shutil.copy(table, other)
    table.unlink()
    table.symlink_to(other)
    return table


def _folder(table: Path) -> Path:
    part = table.parent.parent / "part.parquet"
    table.rename(part)
    table.mkdir()
    part.rename(table / "part.parquet")
    return table


@pytest.mark.parametrize("damage, expect", [
    (_pipe, "backtest.parquet: a named pipe; expected a table the run wrote, inside its folder"),
    (_outside, "backtest.parquet: a link to {other}, outside the run folder; expected a table the run wrote, inside its folder"),
    (_folder, "backtest.parquet: not a file; expected a table the run wrote, inside its folder"),
])
def test_report_refuses_a_table_that_is_no_file_of_the_run(damage, expect, made, tmp_path, deadline):
    run = _copy(made["forecast"], tmp_path)
    (run / "report.html").unlink()
    damage(run / "tables" / "backtest.parquet")
    assert_refused(["report", run], expect.format(other=tmp_path / "other.parquet"), inputs=[run])  # inputs: also no report.html


def test_verify_names_a_table_that_is_a_pipe(made, tmp_path, deadline):
    run = _copy(made["forecast"], tmp_path)
    _pipe(run / "tables" / "backtest.parquet")
    result = invoke("verify", run)
    assert result.exit_code == 1, result.output
    assert "differs tables/backtest.parquet: a named pipe" in result.output
    assert "not reproduced: identical metrics, but 1 result file differs (tables/backtest.parquet)" in result.output


@pytest.mark.parametrize("rtol", ["inf", "nan", "1"])
def test_verify_refuses_a_tolerance_that_accepts_any_metric(rtol, made):
    assert_refused(["verify", made["forecast"], "--rtol", rtol],
                   f"--rtol {float(rtol)}: expected a relative tolerance >= 0 and < 1 (e.g. 1e-8)", inputs=[made["forecast"]])


def test_risk_predict_refuses_a_model_file_that_is_a_pipe(made, tmp_path, deadline):
    run = _copy(made["risk"], tmp_path)
    _pipe(run / "model" / "model.json")
    assert_refused(["risk", "predict", run, f"out={tmp_path / 'out'}"],
                   f"{run / 'model' / 'model.json'}: a named pipe; expected the model files a `minectl risk` run writes", inputs=[run])
