"""Saved run folders mutated one file at a time, read by `report` and `risk predict` (a fuzz of
docs/security.md's "A run folder is untrusted input"): each case here failed before its fix.

Each case copies one real run (made once per module) and damages the copy.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from harness import QUICK_RISK, assert_refused, copy_without, demo_and_risk_runs, invoke


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One demo run on a tiny mine and one risk run, made once."""
    return demo_and_risk_runs(tmp_path_factory.mktemp("made"))


def copy_of(made, name: str, tmp_path: Path) -> Path:
    return copy_without(made[name], tmp_path, "report.html")


def plot_shown_as_png(run: Path) -> Path:
    """The demo run's unit-cost plot, which the page embeds as PNG once its interactive figure
    has no table to draw from."""
    (run / "tables" / "daily.parquet").unlink()
    return run / "plots" / "unit_cost.png"


def test_report_refuses_a_plot_linked_to_a_file_outside_the_folder(made, tmp_path):
    # before: /etc/passwd was embedded in report.html as the plot, rc 0
    run = copy_of(made, "demo", tmp_path)
    plot = plot_shown_as_png(run)
    plot.unlink()
    plot.symlink_to("/etc/passwd")
    assert_refused(["report", run], f"{plot}: a link to /etc/passwd, outside the run folder; expected a PNG image the run drew",
                   inputs=[run])  # inputs: also no report.html


@pytest.mark.parametrize("damage, expect", [
    (lambda plot: (plot.unlink(), plot.mkdir()), "png: not a file; expected a PNG image"),  # before: "cannot write report.html (Is a directory)"
    (lambda plot: plot.write_bytes(b" " * (21 << 20)), "png: 21 MB, larger than the 20 MB a plot takes"),  # before: embedded, rc 0
    (lambda plot: plot.write_text("<script>alert(1)</script>"), "png: not a PNG image; expected a PNG image the run drew"),
], ids=["directory", "huge", "text"])
def test_report_refuses_a_plot_that_is_not_a_png(made, tmp_path, damage, expect):
    run = copy_of(made, "demo", tmp_path)
    damage(plot_shown_as_png(run))
    assert_refused(["report", run], expect, inputs=[run])  # inputs: also no report.html


def test_report_still_embeds_the_plots_of_a_legal_folder(made, tmp_path):
    run = copy_of(made, "demo", tmp_path)
    plot = plot_shown_as_png(run)
    (run / "plots" / "copy.png").symlink_to(plot)  # a link inside the folder is the folder's own file
    result = invoke("report", run)
    assert result.exit_code == 0, result.output
    data = base64.b64encode(plot.read_bytes()).decode("ascii")
    page = (run / "report.html").read_text()
    assert f'alt="unit_cost" src="data:image/png;base64,{data}"' in page and f'alt="copy" src="data:image/png;base64,{data}"' in page


def test_report_refuses_a_table_whose_columns_were_retyped(made, tmp_path):
    # before: a traceback (polars InvalidOperationError: `sum` operation not supported for dtype `str`)
    run = copy_of(made, "demo", tmp_path)
    daily = run / "tables" / "daily.parquet"
    pl.read_parquet(daily).with_columns(pl.all().cast(pl.String)).write_parquet(daily)
    assert_refused(["report", run], [f"{run / 'tables'}: a table cannot be drawn (InvalidOperationError:",
                                     "expected the tables of a `minectl demo` run, with their column types"],
                   inputs=[run])  # inputs: also no report.html


def test_report_of_an_ok_run_without_metrics_says_incomplete(made, tmp_path):
    # before: the page said "ok" for a run whose metrics.json was removed (summarize says incomplete)
    run = copy_of(made, "demo", tmp_path)
    (run / "metrics.json").unlink()
    result = invoke("report", run)
    assert result.exit_code == 0, result.output
    page = (run / "report.html").read_text()
    assert 'id="status">incomplete' in page and "status.json says ok but metrics.json is missing" in page


def test_risk_predict_refuses_an_infinite_z_score_mean(made, tmp_path):
    # before: a traceback (sklearn ValueError: Input X contains infinity)
    run = Path(shutil.copytree(made["risk"], tmp_path / "risk"))
    spec_file = run / "risk_model.json"
    spec = json.loads(spec_file.read_text())
    spec_file.write_text(json.dumps(spec | {"mean": [1e999] * len(spec["mean"])}))  # 1e999 reads as inf
    n = len(spec["mean"])
    assert_refused(["risk", "predict", run], f"risk_model.json: 'mean' is list [inf, inf, inf, inf, inf, inf, inf, inf,...; "
                   f"expected 'mean' as {n} numbers, finite (window x dynamic + static)", inputs=[run])
    assert not (run / "predictions.parquet").exists()


@pytest.fixture(scope="module")
def other_risk_model(tmp_path_factory):
    """The model folder of a second risk run (seed 1): the same shape as the first's."""
    run = tmp_path_factory.mktemp("other") / "risk"
    result = invoke("risk", *QUICK_RISK, "seed=1", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return run / "model"


def test_risk_predict_refuses_a_model_file_swapped_from_another_run(made, other_risk_model, tmp_path):
    # before: scored with the other run's model, rc 0 (with an lstm_rf model's forest swapped: 107 of 358 levels differed)
    run = Path(shutil.copytree(made["risk"], tmp_path / "risk"))
    shutil.rmtree(run / "model")
    shutil.copytree(other_risk_model, run / "model")
    other = json.loads((run / "model" / "model.json").read_text())
    shutil.copy(made["risk"] / "model" / "model.json", run / "model" / "model.json")  # the other run's files under this run's model.json
    own = json.loads((run / "model" / "model.json").read_text())
    assert sorted(own["files_sha256"]) == ["estimator.json", "estimator.npz"] and other["files_sha256"] != own["files_sha256"]
    name = next(name for name in sorted(own["files_sha256"]) if own["files_sha256"][name] != other["files_sha256"][name])
    assert_refused(["risk", "predict", run], f"{run / 'model' / name}: not the file the run saved (its sha256 differs from "
                   "model.json's); expected the run's own model", inputs=[run])


def test_factors_refuses_the_data_of_a_cost_run_that_failed(made, tmp_path):
    # before: rc 0, the daily table of a failed (or killed) run turned into graph edges; sources.text checked this already
    run = copy_of(made, "demo", tmp_path)
    status = json.loads((run / "status.json").read_text())
    (run / "status.json").write_text(json.dumps(status | {"status": "failed", "error": "boom"}))
    assert_refused(["factors", "debug=quick", f"factors.sources.data={run}", f"hydra.run.dir={tmp_path / 'out'}"],
                   f"{run / 'status.json'}: the run failed (boom); expected the folder of a run that finished", inputs=[run],
                   run_dir=tmp_path / "out")


def test_factors_names_a_driver_column_of_text(made, tmp_path):
    # before: a polars traceback ("division with 'String' datatypes") from a table whose numbers were written as text
    run = copy_of(made, "demo", tmp_path)
    daily = pl.read_parquet(run / "tables" / "daily.parquet")
    daily.with_columns(pl.col("haul_km").cast(pl.String)).write_parquet(run / "tables" / "daily.parquet")
    assert_refused(["factors", "debug=quick", f"factors.sources.data={run / 'tables' / 'daily.parquet'}", f"hydra.run.dir={tmp_path / 'out'}"],
                   "column 'haul_km' of the mine data holds String values; expected numbers", run_dir=tmp_path / "out")


@pytest.mark.parametrize("entry, expect", [
    ("~seed", "~seed: a key of the schema cannot be deleted"),
    ("+model._target_=os.system", "model: unknown key"),
])
def test_verify_names_the_overrides_file_of_an_entry_the_replay_refuses(made, tmp_path, entry, expect):
    # before: the line named the entry only, as if it had been typed on the command line
    run = copy_of(made, "demo", tmp_path)
    overrides = run / ".hydra" / "overrides.yaml"
    overrides.write_text(overrides.read_text() + f"- {entry}\n")
    assert_refused(["verify", run], f"replaying {overrides}: {expect}", inputs=[run])


def test_report_refuses_a_config_key_given_twice(made, tmp_path):
    """Hydra never writes a key twice, and verify (OmegaConf) refuses it; report's faster loader
    took the last of the two without a word (rc 0): which currency did the run use?"""
    run = copy_of(made, "demo", tmp_path)
    config = run / ".hydra" / "config.yaml"
    lines = config.read_text().splitlines()
    costs = lines.index("costs:")
    edited = [*lines[:costs + 1], "  currency: USD", *lines[costs + 1:]]
    config.write_text("\n".join(edited) + "\n")
    second = [i for i, line in enumerate(edited) if line.startswith("  currency:")][1]
    assert_refused(["report", run], f"{config}: line {second + 1}: the key 'currency' is given twice; expected the YAML mapping "
                                    "of the run's config", inputs=[run])
