"""Bad-input corpus, round 10: run and sweep folders from someone else, past test_fuzz_run_folders.py,
test_probe_round5_runs.py, test_probe_round8_runfolders.py and test_probe_round9_runs.py.

`verify` followed a link in the run folder to a file outside it (metrics.json, a table, the
config: another run's, any file of the machine) and said "reproduced", exit 0, as `risk predict`
loaded a model file linked from elsewhere; `summarize` read a job's metrics.json or .hydra/ linked
from outside the sweep. Each is now refused in one line naming the link and where it leads, as
`report` refuses it; a link in a loop likewise. `summarize` of a sweep on a read-only mount ended
in an OSError traceback (its summary.parquet not writable). A metrics.json with a key given twice
(json keeps the last value, other readers the first) passed `verify` on its last. A job's error in
status.json printed its escape sequences to the terminal (recolouring it, setting its clipboard
with OSC 52). `verify --rtol` cannot match 0.0 with rounding noise of 1e-17 (no relative tolerance
holds around zero): the comparisons now take an absolute tolerance too (`--atol`, proposed for
the CLI).
"""

from __future__ import annotations

import errno
import hashlib
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
import yaml
from harness import assert_refused, invoke


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """A demo run and a quick risk run on the tiny mine, and a two-job demo sweep, all finished ok."""
    from harness import demo_risk_and_sweep

    return demo_risk_and_sweep(tmp_path_factory.mktemp("made"))


def _copy(made: dict, name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(made[name], tmp_path / name))


def _link_outside(folder: Path, name: str, elsewhere: Path) -> Path:
    """``folder``/``name`` (a file or a folder) moved to ``elsewhere`` and linked back: the same bytes,
    read from outside the folder. Returns where it now is."""
    elsewhere.mkdir(exist_ok=True)
    target = Path(shutil.move(folder / name, elsewhere / Path(name).name))
    (folder / name).symlink_to(target)
    return target


# ---------------------------------------------------------------------------- links out of a run folder


@pytest.mark.parametrize("name", ["metrics.json", "tables/daily.parquet", ".hydra/config.yaml", "tables"])
def test_verify_refuses_a_file_linked_from_outside_the_run_folder(made, tmp_path, name):
    """Before: the link was followed, and the linked file (here the same bytes) "reproduced", exit 0."""
    run = _copy(made, "demo", tmp_path)
    target = _link_outside(run, name, tmp_path / "elsewhere")
    assert_refused(["verify", run], f"{run / name}: a link to {target}, outside the run folder; expected a file the run wrote",
                   inputs=[run, target])


def test_verify_refuses_a_table_linked_in_a_loop(made, tmp_path):
    """Before: "differs tables/daily.parquet: missing", exit 1, as if the run had not written it."""
    run = _copy(made, "demo", tmp_path)
    (run / "tables" / "daily.parquet").unlink()
    (run / "tables" / "daily.parquet").symlink_to("daily.parquet")
    assert_refused(["verify", run], f"{run / 'tables' / 'daily.parquet'}: a link in a loop; expected a file the run wrote")


def test_verify_of_a_run_folder_named_by_a_link_reproduces(made, tmp_path):
    """The folder itself may be a link (outputs/latest): only links inside it are held to it."""
    (tmp_path / "latest").symlink_to(made["demo"])
    result = invoke("verify", tmp_path / "latest")
    assert result.exit_code == 0 and "reproduced" in result.output, result.output


def test_risk_predict_refuses_a_model_file_linked_from_outside(made, tmp_path):
    """Before: the model file was loaded from wherever the link led, and scored, exit 0."""
    run = _copy(made, "risk", tmp_path)
    target = _link_outside(run, "model/model.json", tmp_path / "elsewhere")
    assert_refused(["risk", "predict", run, f"out={tmp_path / 'out.parquet'}"],
                   f"{run / 'model' / 'model.json'}: a link to {target}, outside the run folder", inputs=[run, target])
    assert not (tmp_path / "out.parquet").exists()


@pytest.mark.parametrize("name", ["1/metrics.json", "1/.hydra"])
def test_summarize_refuses_a_job_file_linked_from_outside_the_sweep(made, tmp_path, name):
    """Before: the linked metrics (the same bytes here: its sha256 matched) were summarised as job 1's, exit 0."""
    sweep = _copy(made, "sweep", tmp_path)
    target = _link_outside(sweep, name, tmp_path / "elsewhere")
    assert_refused(["summarize", sweep], f"{sweep / name}: a link to {target}, outside the sweep folder", inputs=[target])


def test_summarize_of_a_sweep_folder_named_by_a_link_still_summarises(made, tmp_path):
    (tmp_path / "latest").symlink_to(made["sweep"])
    result = invoke("summarize", tmp_path / "latest")
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------------------- a run made on Windows


def _made_on_windows(run: Path) -> dict[str, str]:
    """``run``'s provenance.json as a run on Windows writes it (C:\\Users\\ana\\proj\\mine\\x.parquet):
    the same files, at paths of a machine that is not this one. Returns the inputs, by file name."""
    provenance = json.loads((run / "provenance.json").read_text())
    inputs = {"C:\\Users\\ana\\proj\\mine\\" + Path(path).name: sha for path, sha in provenance["inputs"].items()}
    (run / "provenance.json").write_text(json.dumps({**provenance, "inputs": inputs}))
    return {path.rpartition("\\")[2]: path for path in inputs}


def test_verify_of_a_run_made_on_windows_reproduces_from_the_same_files(made, tmp_path):
    """Before: "not reproduced", each input "read by the replay, not by the run (new since)", the
    run's own inputs (C:\\...) not named: read as rows from a server, not as files."""
    run = _copy(made, "demo", tmp_path)
    assert _made_on_windows(run)
    result = invoke("verify", run)
    assert result.exit_code == 0 and "reproduced: " in result.output, result.output


def test_verify_of_a_run_made_on_windows_names_the_input_that_changed(made, tmp_path):
    run = _copy(made, "demo", tmp_path)
    inputs = _made_on_windows(run)
    provenance = json.loads((run / "provenance.json").read_text())
    name = sorted(inputs)[0]
    provenance["inputs"][inputs[name]] = "1" * 64
    (run / "provenance.json").write_text(json.dumps(provenance))
    result = invoke("verify", run)
    assert result.exit_code == 1, result.output
    assert f"changed input {inputs[name]}: sha256 111111111111... then, " in result.output
    assert "new since" not in result.output


# ---------------------------------------------------------------------------- read-only places


def test_summarize_of_a_read_only_sweep_says_so_in_one_line(made, tmp_path, monkeypatch):
    """Before: an OSError traceback (Read-only file system) from writing summary.parquet. A read-only
    mount cannot be made in a test (and root writes anywhere): the writer fails as it does there."""
    import contextlib

    import minectl.results

    @contextlib.contextmanager
    def read_only(target):
        raise OSError(errno.EROFS, "Read-only file system", str(target))
        yield

    monkeypatch.setattr(minectl.results, "atomic_path", read_only)
    sweep = _copy(made, "sweep", tmp_path)
    assert_refused(["summarize", sweep], f"{sweep / 'summary.parquet'}: cannot be written (Read-only file system); expected a "
                   "sweep folder you can write", inputs=[sweep])


# ---------------------------------------------------------------------------- tampered records


def test_verify_refuses_a_metric_given_twice(made, tmp_path):
    """Before: json kept the last of the two values, the replay's: "reproduced", exit 0, though a
    reader that keeps the first (and the page made of it) shows another figure."""
    run = _copy(made, "demo", tmp_path)
    text = (run / "metrics.json").read_text()
    key = next(iter(json.loads(text)))
    edited = text.replace("{", f'{{\n  "{key}": 0.0,', 1)
    (run / "metrics.json").write_text(edited)
    status = json.loads((run / "status.json").read_text())  # the tamperer's status.json matches the file
    status["metrics_sha256"] = hashlib.sha256(edited.encode()).hexdigest()
    (run / "status.json").write_text(json.dumps(status))
    assert_refused(["verify", run], f"{run / 'metrics.json'}: the key '{key}' is given twice; expected a JSON object", inputs=[run])


def test_summarize_prints_no_escape_sequence_of_a_job_error(made, tmp_path):
    """Before: the ESC and BEL of the error reached the terminal (OSC 52 sets its clipboard)."""
    sweep = _copy(made, "sweep", tmp_path)
    status = {"status": "failed", "error": "boom \x1b]52;c;cHduZWQ=\x07 \x1b[2J"}
    (sweep / "1" / "status.json").write_text(json.dumps(status))
    (sweep / "1" / "metrics.json").unlink()
    result = invoke("summarize", sweep)
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "job 1 failed: boom \\x1b]52;c;cHduZWQ=\\x07 \\x1b[2J" in result.output


def test_printable_keeps_tabs_newlines_and_any_script():
    from minectl.redaction import printable

    assert printable("a\tb\nc é 中 ≥") == "a\tb\nc é 中 ≥"
    assert printable("\r\x1b\x9b\x7f") == "\\x0d\\x1b\\x9b\\x7f"


# ---------------------------------------------------------------------------- an absolute tolerance


def test_no_relative_tolerance_matches_zero_with_rounding_noise_an_absolute_one_does():
    from minectl.results import compare_metrics

    assert compare_metrics({"x": 0.0}, {"x": 1e-17}, rtol=1e-8) == [("x", 0.0, 1e-17)]
    assert compare_metrics({"x": 0.0}, {"x": 1e-17}, rtol=1e-8, atol=1e-12) == []
    assert compare_metrics({"x": 0.0, "y": 1.0}, {"x": 1e-3, "y": 1.0 + 1e-16}, atol=1e-12) == [("x", 0.0, 1e-3)]
    assert compare_metrics({"x": 1.0}, {"x": 1.0 + 2**-52}) == [("x", 1.0, 1.0 + 2**-52)]  # exact when no tolerance is given


def test_a_table_value_of_zero_matches_rounding_noise_within_atol_only(tmp_path):
    from minectl.results import _table_differs

    saved, replay = tmp_path / "saved.parquet", tmp_path / "replay.parquet"
    pl.DataFrame({"v": [0.0, 5.0, float("nan")]}).write_parquet(saved)
    pl.DataFrame({"v": [1e-17, 5.0, float("nan")]}).write_parquet(replay)
    assert _table_differs(saved, replay, 1e-8, 0.0) == "column v: 1 of 3 rows differ (row 0: saved 0.0, replay 1e-17)"
    assert _table_differs(saved, replay, 0.0, 1e-12) is None
    assert _table_differs(saved, replay, 0.0, 1e-18) is not None


def test_verify_passes_rounding_noise_of_a_zero_metric_within_atol(made, tmp_path):
    run = _copy(made, "demo", tmp_path)
    result = invoke("verify", run, "--rtol", "1e-8", "--atol", "1e-12")
    assert result.exit_code == 0 and "within rtol=1e-08 and atol=1e-12" in result.output, result.output


@pytest.mark.parametrize("atol", ["inf", "nan", "-1"])
def test_verify_refuses_an_absolute_tolerance_that_is_not_finite_and_positive(made, atol):
    assert_refused(["verify", made["demo"], "--atol", atol], f"--atol {float(atol)}: expected an absolute tolerance >= 0 and finite")


def test_verify_out_that_is_a_file_or_inside_the_run_is_named_as_out(made, tmp_path):
    (tmp_path / "afile").write_text("x")
    assert_refused(["verify", made["demo"], "--out", tmp_path / "afile"], f"--out {tmp_path / 'afile'}: a file; expected a new folder")
    assert_refused(["verify", made["demo"], "--out", made["demo"] / "tables" / "x"], "inside the run folder")


def test_an_error_line_prints_no_escape_sequence_of_a_folder_name(tmp_path):
    folder = tmp_path / "x\x1b]52;c;cHduZWQ=\x07"
    line = assert_refused(["summarize", folder], "does not exist")
    assert "\x1b" not in line and "\\x1b]52" in line


def test_verify_shows_a_file_name_with_brackets_as_written(made, tmp_path):
    run = _copy(made, "demo", tmp_path)
    (run / "tables" / "[").mkdir()
    shutil.copy(run / "tables" / "daily.parquet", run / "tables" / "[" / "]x.parquet")
    result = invoke("verify", run)
    assert result.exit_code == 1 and "differs tables/[/]x.parquet: not written by the replay" in result.output, result.output


def test_summarize_shows_an_override_key_with_brackets_as_written(made, tmp_path):
    sweep = _copy(made, "sweep", tmp_path)
    (sweep / "multirun.yaml").unlink()
    (sweep / "1" / ".hydra" / "overrides.yaml").write_text("- '[/]=1'\n")
    hydra_file = sweep / "1" / ".hydra" / "hydra.yaml"  # the job's own record of its overrides, edited alike (else refused as edited)
    hydra = yaml.safe_load(hydra_file.read_text())
    hydra["hydra"]["overrides"]["task"] = ["[/]=1"]
    hydra_file.write_text(yaml.safe_dump(hydra))
    result = invoke("summarize", sweep)
    assert result.exit_code == 0 and "[/]" in result.output, result.output


@pytest.mark.parametrize("name", ["metrics.json", "tables/daily.parquet"])
def test_report_refuses_a_link_in_a_loop(made, tmp_path, name):
    run = _copy(made, "demo", tmp_path)
    (run / name).unlink()
    (run / name).symlink_to(Path(name).name)
    assert_refused(["report", run], f"{run / name}: a link in a loop; expected a")


def test_risk_predict_refuses_an_out_that_is_a_folder(made, tmp_path):
    (tmp_path / "scores").mkdir()
    assert_refused(["risk", "predict", made["risk"], f"out={tmp_path / 'scores'}"],
                   f"risk predict: out={tmp_path / 'scores'}: a folder; expected a file path")
