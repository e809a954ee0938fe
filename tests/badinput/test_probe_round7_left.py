"""Bad-input corpus, round 7: items earlier rounds left. A saved risk model's forest.npz, lstm.pt,
tree_weights.json and lightgbm.txt were read whole however large (a 300 MB file read before it was
refused), and an .npz of one deflated array of zeros unpacked 300 MB from a file of 0.3 MB; rows of one
dataset.group_by series out of order were refused offering dataset.group_by, already set; `summarize
--by cost.total` (a metric) grouped the jobs by each of its values, where `report --by` refuses it;
`hydra.job.env_set.OMP_NUM_THREADS=abc` (or POLARS_MAX_THREADS=0) ran, the library ignoring it."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from csv_series import write
from harness import QUICK_RISK, assert_refused, invoke, tiny_sweep

MB = 1 << 20


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict[str, Path]:
    """A quick risk run of model=lstm_rf (forest.npz, lstm.pt, tree_weights.json) and one of model=lightgbm."""
    root = tmp_path_factory.mktemp("made")
    runs = {}
    for model in ("lstm_rf", "lightgbm"):
        runs[model] = root / model
        result = invoke("risk", *QUICK_RISK, f"model={model}", f"hydra.run.dir={runs[model]}")  # the last model= wins
        assert result.exit_code == 0, result.output
    return runs


def _predict_refused(run: Path, tmp_path: Path, expect: str) -> None:
    assert_refused(["risk", "predict", run, f"out={tmp_path / 'scores.parquet'}"], expect, inputs=[run / "model"])
    assert not (tmp_path / "scores.parquet").exists()


@pytest.mark.parametrize("model, name, expect", [
    ("lstm_rf", "forest.npz", "300 MB, larger than the 256 MB a saved model's arrays may take (the default risk model's are 1.5 MB); "
                              "expected the file a run saved"),
    ("lstm_rf", "lstm.pt", "300 MB, larger than the 256 MB a saved model's weights may take (the default risk model's are 0.04 MB); "
                           "expected the file a run saved"),
    ("lstm_rf", "tree_weights.json", "300 MB, larger than the 20 MB a run writes; expected the tree weights a run saved"),
    ("lightgbm", "lightgbm.txt", "300 MB, larger than the 128 MB a saved LightGBM model may take (model=lightgbm's is 0.7 MB); "
                                 "expected the model a run saved"),
])
def test_a_saved_model_file_over_its_cap_is_refused_before_it_is_read(saved, tmp_path, model, name, expect):
    run = Path(shutil.copytree(saved[model], tmp_path / model))
    with (run / "model" / name).open("r+b") as handle:  # sparse: 300 MB on no disk
        handle.truncate(300 * MB)
    _predict_refused(run, tmp_path, f"{run / 'model' / name}: {expect}")


def test_an_npz_whose_arrays_unpack_past_the_cap_is_refused_before_they_are_read(saved, tmp_path):
    """Before: the 300 MB array was unpacked, then the file refused by its sha256."""
    run = Path(shutil.copytree(saved["lstm_rf"], tmp_path / "lstm_rf"))
    path = run / "model" / "forest.npz"
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    np.savez(path, **arrays)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, archive.open("zeros.npy", "w", force_zip64=True) as member:
        header = np.lib.format.header_data_from_array_1_0(np.zeros(0))
        header["shape"] = (300 * MB // 8,)
        np.lib.format.write_array_header_1_0(member, header)
        for _ in range(300):
            member.write(bytes(MB))
    assert path.stat().st_size < 2 * MB
    _predict_refused(run, tmp_path, f"{path}: 300 MB unpacked, larger than the 256 MB a saved model's arrays may take (the default "
                                    "risk model's are 1.5 MB); expected the file a run saved")


def test_rows_of_one_group_out_of_order_are_not_offered_dataset_group_by_again(tmp_path):
    rows = "".join(f"A,2024-01-{d:02d},{h}\n" for d, h in zip([2, 4, 3, 5, 6, 7], [22, 77, 13, 37, 20, 68], strict=True))
    rows += "".join(f"B,2024-01-{d:02d},{h}\n" for d, h in zip(range(2, 8), [5, 6, 7, 8, 9, 10], strict=True))
    path, run = write(tmp_path / "failures.csv", "machine,date,tbf\n" + rows), tmp_path / "run"
    args = ["uncertainty", "dataset=equipment_failures", f"dataset.path={path}", "dataset.date_column=date", "report=false"]
    line = assert_refused([*args, f"hydra.run.dir={run}"],
                          f"{path} (machine=A): column 'date' at row 3 (2024-01-03 00:00:00) is not after the row before (2024-01-04 "
                          "00:00:00); expected rows in time order, one per date (sort the rows of each series by date)",
                          inputs=[path], run_dir=run)
    assert "group_by" not in line
    ungrouped = assert_refused([*args, "dataset.group_by=null", f"hydra.run.dir={tmp_path / 'ungrouped'}"],
                               "expected rows in time order, one per date (several series in one file: dataset.group_by)")
    assert f"{path}: column 'date' at row 3 " in ungrouped


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    return tiny_sweep(tmp_path_factory.mktemp("made"), "cost")[1]


@pytest.mark.parametrize("metric", [[], ["--metric", "cost.days"]])
@pytest.mark.parametrize("command", ["summarize", "report"])
def test_by_a_metric_is_refused_by_summarize_as_by_report(sweep, command, metric):
    """Before: `summarize --by cost.total` exit 0, a group for each total (with --metric cost.days, its mean by cost.total)."""
    assert_refused([command, sweep, "--by", "cost.total", *metric],
                   "--by 'cost.total' is not an override of this sweep; expected one of: data, data.dir, seed",
                   inputs=[sweep / "report.html"])  # the sweep's own page, not rewritten


@pytest.mark.parametrize("setting", ["OMP_NUM_THREADS=abc", "POLARS_MAX_THREADS=0", "MKL_NUM_THREADS=2.5", "OPENBLAS_NUM_THREADS=-1"])
def test_a_thread_count_that_is_not_a_whole_number_is_refused(tmp_path, setting):
    run = tmp_path / "run"
    assert_refused(["cost", "debug=quick", f"+hydra.job.env_set.{setting}", f"hydra.run.dir={run}"],
                   f"error: hydra.job.env_set.{setting}: not a count of threads; expected a whole number >= 1", run_dir=run)
    assert not run.exists()


def test_a_thread_count_is_checked_for_every_sweep_value_before_any_job(tmp_path):
    sweep = tmp_path / "sweep"
    assert_refused(["cost", "-m", "debug=quick", "+hydra.job.env_set.OMP_NUM_THREADS=1,abc", f"hydra.sweep.dir={sweep}"],
                   "error: hydra.job.env_set.OMP_NUM_THREADS=abc: not a count of threads; expected a whole number >= 1")
    assert not sweep.exists()


def test_whole_thread_counts_and_other_variables_run(tmp_path):
    """RAYON_NUM_THREADS=0 is Rayon's 'every core'; a POLARS_* that is not a count takes any text."""
    run = tmp_path / "run"
    result = invoke("cost", "debug=quick", "+hydra.job.env_set.OMP_NUM_THREADS=1", "+hydra.job.env_set.POLARS_MAX_THREADS=2",
                    "+hydra.job.env_set.RAYON_NUM_THREADS=0", "+hydra.job.env_set.POLARS_FMT_TABLE_FORMATTING=ASCII_FULL",
                    f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert json.loads((run / "status.json").read_text())["status"] == "ok"
