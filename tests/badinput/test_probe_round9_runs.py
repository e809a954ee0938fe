"""Bad-input corpus, round 9: finished runs and sweeps as a CI pipeline meets them, past
test_run_folders.py, test_probe_sweeps.py and the round 5-8 run-folder probes.

`verify --rtol` (the documented way on another CPU) passed a table whose value had become
infinite or missing (inf - x <= rtol * inf; a null compared as null): "reproduced", exit 0. A run
folder checked out by git with core.autocrlf (CRLF line ends) was "not reproduced" (its config
"not the replay's bytes", metrics.json "edited since"), and `summarize` marked every job of such a
sweep `edited`, exit 1. A run made with `-cd DIR` in a project moved to another path (a CI
checkout) was refused (the -cd folder saved as an absolute path) though its data, named relative
to the project, was found. `report` of a risk run whose predictions table is empty ended in an
IndexError traceback. A changed input of a moved project was named twice, as "missing now" and
"new since", not as changed; a config differing from the replay's was only "not the replay's
bytes", now the key that differs (a key of a newer minectl's schema).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import QUICK_RISK, assert_refused, invoke


def _project(root: Path, monkeypatch) -> Path:
    """A project folder ``root`` holding the tiny mine as `mine/` (named relative to it, as a
    checked-out project names its data), the working folder from now on."""
    write_tiny_mine(root / "mine")
    monkeypatch.chdir(root)
    return root


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """A demo run and a quick risk run on the tiny mine, and a two-job demo sweep, all finished ok."""
    from harness import demo_risk_and_sweep

    return demo_risk_and_sweep(tmp_path_factory.mktemp("made"))


def _copy(made: dict, name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(made[name], tmp_path / name))


def _crlf(folder: Path) -> list[str]:
    """Every text file below ``folder`` with CRLF line ends, as `git checkout` with core.autocrlf=true
    writes it (binary files, which hold a NUL byte, as they are); the files changed."""
    changed = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if b"\0" not in data[:8000] and b"\n" in data:
            path.write_bytes(data.replace(b"\n", b"\r\n"))
            changed.append(path.relative_to(folder).as_posix())
    return changed


def _words(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------- verify --rtol


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), None], ids=["inf", "-inf", "null"])
def test_verify_with_a_tolerance_names_a_value_no_longer_a_number(made, tmp_path, value):
    run = _copy(made, "demo", tmp_path)
    daily = pl.read_parquet(run / "tables" / "daily.parquet")
    assert daily["ore_t"][1] == 110.0  # the tiny mine's second day
    daily.with_columns(ore_t=pl.Series([100.0, value, 0.0, 120.0, 130.0], dtype=pl.Float64)).write_parquet(run / "tables" / "daily.parquet")
    result = invoke("verify", run, "--rtol", "1e-8")
    assert result.exit_code == 1, result.output
    assert f"differs tables/daily.parquet: column ore_t: 1 of 5 rows differ (row 1: saved {value}, replay 110.0)" in result.output
    assert "not reproduced: identical metrics, but 1 result file differs (tables/daily.parquet)" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("relative, reproduced", [(0.5e-8, True), (2e-8, False)])
def test_verify_with_a_tolerance_passes_a_table_value_within_it_only(made, tmp_path, relative, reproduced):
    """110 * (1 + 0.5e-8) is within --rtol 1e-8 of the replay's 110; 110 * (1 + 2e-8) is not."""
    run = _copy(made, "demo", tmp_path)
    daily = pl.read_parquet(run / "tables" / "daily.parquet")
    daily.with_columns(ore_t=pl.Series([100.0, 110.0 * (1 + relative), 0.0, 120.0, 130.0])).write_parquet(run / "tables" / "daily.parquet")
    result = invoke("verify", run, "--rtol", "1e-8")
    assert result.exit_code == (0 if reproduced else 1), result.output
    assert result.output.splitlines()[-1].startswith("reproduced: ") == reproduced
    assert ("differs tables/daily.parquet: column ore_t: 1 of 5 rows differ" in result.output) != reproduced


# ---------------------------------------------------------------------------- a git checkout: CRLF line ends


@pytest.mark.slow
@pytest.mark.parametrize("name", ["demo", "risk"])
def test_verify_of_a_run_checked_out_with_crlf_line_ends_reproduces(made, tmp_path, name):
    run = _copy(made, name, tmp_path)
    changed = _crlf(run)
    assert {"metrics.json", "status.json", ".hydra/config.yaml"} <= set(changed)
    assert name == "demo" or {"risk_model.json", "model/model.json"} <= set(changed)
    result = invoke("verify", run)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("reproduced: "), result.output


@pytest.mark.slow
def test_risk_predict_of_a_lightgbm_model_checked_out_with_crlf_line_ends_scores_as_saved(tmp_path):
    """Was `lightgbm.txt: not the file the run saved` (its sha256 taken of the CRLF bytes)."""
    run = tmp_path / "run"
    args = [a for a in QUICK_RISK if not a.startswith("model=")]
    assert invoke("risk", *args, "model=lightgbm", f"hydra.run.dir={run}").exit_code == 0
    copy = Path(shutil.copytree(run, tmp_path / "checkout"))
    assert "model/lightgbm.txt" in _crlf(copy)
    scores = {}
    for name, folder in (("saved", run), ("checkout", copy)):
        result = invoke("risk", "predict", folder, f"out={tmp_path / name}.parquet")
        assert result.exit_code == 0, result.output
        scores[name] = pl.read_parquet(tmp_path / f"{name}.parquet")
    assert scores["checkout"].height > 0 and scores["checkout"].equals(scores["saved"])


def test_verify_of_a_crlf_checkout_still_names_an_edit(made, tmp_path):
    run = _copy(made, "demo", tmp_path)
    metrics = json.loads((run / "metrics.json").read_text())
    total = metrics["cost.total"]
    assert total == 2975.0  # 5 days x 7 h of haulage labour a day on average x 85 CNY/h
    metrics["cost.total"] = 2976.0
    (run / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    config = run / ".hydra" / "config.yaml"
    config.write_text(config.read_text().replace("anomaly_window: 14", "anomaly_window: 15"))
    _crlf(run)
    result = invoke("verify", run)
    assert result.exit_code == 1, result.output
    out = _words(result.output)
    assert "changed metrics.json: not the file the run wrote (its sha256 differs from status.json's): edited since" in out
    assert "differs cost.total: saved 2976.0 replay 2975.0" in out
    assert "differs .hydra/config.yaml: cost.anomaly_window: 15 in the run's, 14 in the replay's" in out


def test_summarize_of_a_sweep_checked_out_with_crlf_line_ends_finds_every_job_ok(made, tmp_path):
    sweep = _copy(made, "sweep", tmp_path)
    (sweep / "summary.parquet").unlink()
    assert {"0/metrics.json", "1/.hydra/config.yaml", "multirun.yaml"} <= set(_crlf(sweep))
    result = invoke("summarize", sweep)
    assert result.exit_code == 0, result.output
    summary = pl.read_parquet(sweep / "summary.parquet")
    assert summary["status"].to_list() == ["ok", "ok"]
    assert summary["cost.total"].to_list() == [2975.0, 2975.0]


# ---------------------------------------------------------------------------- a project moved to another path


@pytest.mark.slow
def test_verify_of_a_run_with_a_config_dir_in_a_moved_project_reproduces(tmp_path, monkeypatch):
    project = _project(tmp_path / "laptop", monkeypatch)
    (project / "myconf" / "costs").mkdir(parents=True)
    shutil.copy(Path(__file__).parents[2] / "conf" / "costs" / "default.yaml", project / "myconf" / "costs" / "site.yaml")
    result = invoke("demo", "-cd", "myconf", "costs=site", "data=parquet_dir", "data.dir=mine", "hydra.run.dir=runs/a")
    assert result.exit_code == 0, result.output
    moved = project.rename(tmp_path / "ci")  # the laptop's folder gone: a checkout elsewhere
    monkeypatch.chdir(moved)
    result = invoke("verify", "runs/a")
    assert result.exit_code == 0, result.output
    assert "reproduced: 43 metrics identical" in result.output
    monkeypatch.chdir(tmp_path)  # not the project's folder: its -cd folder is named as saved
    assert_refused(["verify", moved / "runs" / "a"], f"--config-dir {project / 'myconf'}: not a folder", inputs=[moved])


@pytest.mark.slow
def test_verify_of_a_moved_project_names_its_changed_input_once(tmp_path, monkeypatch):
    project = _project(tmp_path / "laptop", monkeypatch)
    assert invoke("demo", "data=parquet_dir", "data.dir=mine", "hydra.run.dir=runs/a").exit_code == 0
    moved = project.rename(tmp_path / "ci")
    monkeypatch.chdir(moved)
    production = pl.read_parquet("mine/production.parquet")
    production.with_columns(pl.col("ore_t").replace(110.0, 111.0)).write_parquet("mine/production.parquet")
    result = invoke("verify", "runs/a")
    assert result.exit_code == 1, result.output
    changed = [line for line in result.output.splitlines() if line.startswith("changed")]
    assert len(changed) == 1, changed
    assert changed[0].startswith(f"changed input {project / 'mine' / 'production.parquet'}: sha256 ")
    assert changed[0].endswith(f"now (read at {moved / 'mine' / 'production.parquet'})")
    assert "differs tables/daily.parquet: column ore_t: 1 of 5 rows differ (row 1: saved 110.0, replay 111.0)" in result.output


def test_verify_names_the_config_key_a_newer_minectl_added(made, tmp_path):
    run = _copy(made, "demo", tmp_path)
    with open(run / ".hydra" / "config.yaml", "a") as config:
        config.write("carbon:\n  price: 80.0\n")
    result = invoke("verify", run)
    assert result.exit_code == 1, result.output
    assert "differs .hydra/config.yaml: carbon.price: 80.0 in the run's, absent from the replay's" in _words(result.output)
    # was "written for another config ...: copied from another run", though the config itself is what changed
    assert "changed .hydra/config.yaml: not the config the run composed" in _words(result.output)
    assert "copied from another run" not in result.output


def test_verify_that_reproduces_under_other_package_versions_says_so(made, tmp_path):
    """Was "reproduced" alone: the versions a CI machine differs in were said only when figures differed."""
    run = _copy(made, "demo", tmp_path)
    provenance = json.loads((run / "provenance.json").read_text())
    provenance["packages"]["numpy"] = "0.0.1"
    (run / "provenance.json").write_text(json.dumps(provenance))
    result = invoke("verify", run)
    assert result.exit_code == 0, result.output
    assert "note package numpy: 0.0.1 then, " in _words(result.output) and "reproduced" in result.output


# ---------------------------------------------------------------------------- report


def test_report_of_a_risk_run_whose_predictions_table_is_empty(made, tmp_path):
    run = _copy(made, "risk", tmp_path)
    predictions = run / "tables" / "predictions.parquet"
    pl.read_parquet(predictions).head(0).write_parquet(predictions)
    (run / "report.html").unlink()
    result = invoke("report", run)
    assert result.exit_code == 0, result.output
    page = (run / "report.html").read_text()
    assert "Risk levels" not in page  # no figure without a row; the empty table still listed
    assert "predictions" in page


def test_a_convergence_table_without_a_series_draws_no_figure():
    from minectl.report.figures import task_figures

    assert task_figures("optimize", {"convergence": pl.DataFrame({"generation": [1, 2]})}, "CNY") == []


# ---------------------------------------------------------------------------- a folder given for another


@pytest.mark.parametrize("command, inner", [("verify", "tables"), ("verify", ".hydra"), ("report", "tables"),
                                            ("risk predict", "model")])
def test_a_folder_inside_a_run_names_the_run_folder(made, command, inner):
    run = made["risk"]
    assert_refused([*command.split(), run / inner], f"{run / inner}: a folder inside the run folder {run.resolve()}; "
                   "expected the run folder itself", inputs=[run])


@pytest.mark.parametrize("command", ["summarize", "report"])
def test_a_folder_of_single_runs_is_not_read_as_a_sweep(made, tmp_path, command):
    """outputs/demo/<date>: the runs of a day, each made without -m."""
    day = tmp_path / "2026-12-06"
    for name in ("21-07-24", "21-07-31"):
        shutil.copytree(made["demo"], day / name)
    assert_refused([command, day], f"{day / '21-07-24'}: a single run's folder (its .hydra/hydra.yaml has hydra.mode=RUN), "
                   "not a sweep's job; expected a sweep folder (made with -m), or the run's folder given alone", inputs=[day])


@pytest.mark.parametrize("value, shown", [(3e-5, "3e-05"), (-3e-5, "-3e-05"), (9.99e-5, "9.99e-05"), (1e-4, "0.0001"),
                                          (0.5, "0.5"), (2975.0, "2,975.0"), (12345.6, "12,346")])
def test_the_report_never_shows_a_small_value_as_zero(value, shown):
    from minectl.report.formats import number

    assert number(value) == shown


def test_a_run_page_shows_a_small_metric_as_it_is(made, tmp_path):
    """A metric of 3e-05 (a share, an error) was on the page as 0.0."""
    run = _copy(made, "demo", tmp_path)
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["cost.unit_sd"] = 3e-05
    (run / "metrics.json").write_text(json.dumps(metrics))
    assert invoke("report", run).exit_code == 0
    page = (run / "report.html").read_text()
    assert ">3e-05<" in page and ">0.0<" not in page
