"""Bad-input corpus, round 13: run and sweep folders, output folders and overrides, past test_probe_round12_runs.py.

`--overwrite` removed a whole project folder (the user's thesis.tex and all) that merely held a run's folder or
another tool's metrics.json ("already holds a run; ... --overwrite"). A quoted `hydra.run.dir='~/runs'` (as the parse
error's hint said to write it) ran into a folder named `~` in the working folder; one named by a link to nowhere
said "cannot make that folder (File exists)". A disk that filled up while a run
wrote its results ended in the traceback of whichever writer met it (PIL's savefig, polars' write_parquet, whose
error may not even name the OS error: "Invalid thrift: transport error"), as did `summarize` on a full disk; one that
filled up while Hydra saved .hydra/ said "expected a config Hydra accepts (a logging config ...)". In a sweep folder
without multirun.yaml, a job's edited .hydra/overrides.yaml was taken as the job's (`summarize --by seed` grouped it
as seed "None", though its .hydra/hydra.yaml says which overrides it ran with), and a job whose overrides are known
nowhere showed data=None. A metric named `job` in a job's metrics.json ended summarize in AttributeError; one named
as an override (`seed`) replaced the job's seed. `cost.outlier_sigma=null` said OmegaConf's "field ... is not
Optional" (only a top-level key was said plainly); `key[0]=value` was told to quote its value.
"""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from harness import assert_refused, invoke

LABOUR_TOTAL = 2975.0  # CNY over the tiny mine's 5 days: 35 h of haulage labour at 85 CNY/h (tests/conftest.py)


def no_space() -> OSError:  # a new one each time: a raised exception keeps the frames it was raised through
    return OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """The tiny mine, and a finished two-job demo sweep (seed=0,1) on it."""
    from conftest import write_tiny_mine

    root = tmp_path_factory.mktemp("r13runs")
    mine = write_tiny_mine(root / "mine")
    sweep = root / "sweep"
    result = invoke("demo", "-m", "data=parquet_dir", f"data.dir={mine}", "seed=0,1", f"hydra.sweep.dir={sweep}", "report=false")
    assert result.exit_code == 0, result.output
    return {"mine": mine, "sweep": sweep}


def sweep_without_plan(made: dict[str, Path], tmp_path: Path) -> Path:
    """A copy of the sweep less its multirun.yaml (a sweep copied without it, or one whose start was lost)."""
    sweep = Path(shutil.copytree(made["sweep"], tmp_path / "sweep"))
    (sweep / "multirun.yaml").unlink()
    (sweep / "summary.parquet").unlink()
    return sweep


def test_an_edited_overrides_yaml_of_a_sweep_without_its_plan_is_refused(made, tmp_path):
    sweep = sweep_without_plan(made, tmp_path)
    overrides = sweep / "1" / ".hydra" / "overrides.yaml"
    overrides.write_text("\n".join(line for line in overrides.read_text().splitlines() if "seed=1" not in line) + "\n")
    # before: exit 0, and --by seed showed a group "None" of one job beside seed 0
    assert_refused(["summarize", sweep, "--by", "seed"], [f"{overrides}: ", "are not the overrides the job ran with",
                                                          "'seed=1'", "in its .hydra/hydra.yaml", "edited since?"], inputs=[sweep])


def test_a_sweep_without_its_plan_still_groups_its_jobs_by_seed(made, tmp_path):
    sweep = sweep_without_plan(made, tmp_path)  # near miss: the jobs' own overrides, as they ran
    result = invoke("summarize", sweep, "--by", "seed", "--metric", "cost.total")
    assert result.exit_code == 0, result.output
    summary = pl.read_parquet(sweep / "summary.parquet")
    assert summary["seed"].to_list() == ["0", "1"] and summary["cost.total"].to_list() == [LABOUR_TOTAL] * 2
    assert "None" not in result.output


def test_a_job_removed_from_a_sweep_without_its_plan_shows_no_override_values(made, tmp_path):
    sweep = sweep_without_plan(made, tmp_path)
    shutil.rmtree(sweep / "0")  # its overrides are known nowhere now: before, its row said data=None, data.dir=None, seed=None
    result = invoke("summarize", sweep, "--metric", "cost.total")
    assert result.exit_code == 1, result.output
    header = next(line for line in result.output.splitlines() if line.startswith("┃"))
    seed, status = (next(i for i, cell in enumerate(header.split("┃")) if cell.strip() == name) for name in ("seed", "status"))
    rows = {cells[1].strip(): (cells[seed].strip(), cells[status].strip())
            for cells in (line.split("│") for line in result.output.splitlines() if line.startswith("│")) if cells[1].strip()}
    assert rows == {"0": ("-", "missing"), "1": ("1", "ok")} and "None" not in result.output
    assert "same in every job" not in result.output  # job 0's values are not known: not the same as job 1's


@pytest.mark.parametrize("metric, whose", [("job", "a column of the summary"), ("seed", "an override of the job"),
                                           ("status", "a column of the summary")])
def test_a_metric_named_as_the_jobs_name_status_or_override_is_refused(made, tmp_path, metric, whose):
    sweep = sweep_without_plan(made, tmp_path)
    metrics_file = sweep / "1" / "metrics.json"
    metrics_file.write_text(json.dumps(json.loads(metrics_file.read_text()) | {metric: 3}))
    # before: 'job' ended in AttributeError: 'float' object has no attribute 'isdigit'; 'seed' replaced job 1's seed=1 by 3.0
    for command in (["summarize", sweep, "--by", "seed"], ["report", sweep]):
        assert_refused(command, f"{metrics_file}: metric '{metric}' has the name of {whose}; expected metric names apart from "
                       "the job's overrides and job, status, error", inputs=[sweep])


def disk_full_in_a_plot(monkeypatch):
    from minectl import results

    def full(self, name, figure):
        raise no_space()
    monkeypatch.setattr(results.Run, "plot", full)


def disk_full_in_a_table(monkeypatch):  # polars' (Rust's) own error, with the OS error's number in its text
    from minectl import results

    def full(target, frame):
        raise pl.exceptions.ComputeError("parquet: File out of specification: underlying IO error: No space left on device (os error 28)")
    monkeypatch.setattr(results, "_write_parquet", full)


def test_a_disk_that_fills_up_during_the_run_is_one_line_and_no_partial_results(made, tmp_path, monkeypatch):
    disk_full_in_a_plot(monkeypatch)
    run = tmp_path / "run"
    assert_refused(["demo", "data=parquet_dir", f"data.dir={made['mine']}", f"hydra.run.dir={run}"],
                   f"{run}: cannot write the run's results (No space left on device); expected room for them on that disk",
                   inputs=[made["mine"]], run_dir=run)
    assert '"status": "failed"' in (run / "status.json").read_text()


def test_a_disk_that_fills_up_as_the_tables_are_written_ends_in_one_error_line(made, tmp_path, monkeypatch):
    disk_full_in_a_table(monkeypatch)  # at the run's end: after the task printed its tables
    run = tmp_path / "run"
    result = invoke("demo", "data=parquet_dir", f"data.dir={made['mine']}", f"hydra.run.dir={run}")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1] == (f"error: {run}: cannot write the run's results (No space left on device); "
                                                      "expected room for them on that disk (what the run wrote is removed)")
    assert sorted(p.name for p in run.iterdir()) == [".hydra", "demo.log", "status.json"]


def polars_thrift_error(*args, **kwargs):  # what polars says writing a small table to a full disk: no OS error in it
    raise pl.exceptions.ComputeError("parquet: File out of specification: Invalid thrift: transport error")


def free_space(monkeypatch, free: int) -> None:
    import shutil as shell

    real = shell.disk_usage
    monkeypatch.setattr(shell, "disk_usage", lambda path: real(path)._replace(free=free))


def test_summarize_on_a_full_disk_is_one_line_and_keeps_no_half_summary(made, tmp_path, monkeypatch):
    sweep = sweep_without_plan(made, tmp_path)
    monkeypatch.setattr(pl.DataFrame, "write_parquet", polars_thrift_error)
    free_space(monkeypatch, 0)
    # before: polars' ComputeError traceback
    assert_refused(["summarize", sweep], f"{sweep / 'summary.parquet'}: cannot be written (No space left on device); expected a "
                   "sweep folder you can write", inputs=[sweep])


def test_a_polars_error_on_a_disk_with_room_is_not_called_a_full_disk(made, tmp_path, monkeypatch):
    sweep = sweep_without_plan(made, tmp_path)  # near miss: the same error, the disk not full: a bug, shown as one
    monkeypatch.setattr(pl.DataFrame, "write_parquet", polars_thrift_error)
    free_space(monkeypatch, 10 << 30)
    with pytest.raises(pl.exceptions.ComputeError):
        invoke("summarize", sweep)


def test_a_disk_that_fills_up_as_hydra_saves_the_config_is_not_called_a_config_error(made, tmp_path, monkeypatch):
    from hydra.core import utils

    def full(cfg, filename, output_dir):
        raise no_space()
    monkeypatch.setattr(utils, "_save_config", full)
    run = tmp_path / "run"
    line = assert_refused(["demo", "data=parquet_dir", f"data.dir={made['mine']}", f"hydra.run.dir={run}"],
                          f"{run}: cannot be written (No space left on device); expected a disk with room for the run", run_dir=run)
    assert "logging" not in line  # before: "expected a config Hydra accepts (a logging config that ...)"


def test_another_error_of_a_task_is_not_taken_for_a_full_disk(made, tmp_path, monkeypatch):
    from minectl import results

    def denied(self, name, figure):  # near miss: an OSError of another kind stays the bug it is (its traceback)
        raise PermissionError(errno.EACCES, "Permission denied")
    monkeypatch.setattr(results.Run, "plot", denied)
    with pytest.raises(PermissionError):
        invoke("demo", "data=parquet_dir", f"data.dir={made['mine']}", f"hydra.run.dir={tmp_path / 'run'}")


def project_folder(tmp_path: Path, made: dict[str, Path], name: str) -> Path:
    """A project folder of the user's: a file of their own, and ``name`` beside it: a finished run's
    folder, or a metrics.json of another tool."""
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "thesis.tex").write_text("the user's own file")
    if name == "metrics.json":
        (folder / name).write_text('{"accuracy": 0.9}')
    else:
        shutil.copytree(made["sweep"] / "0", folder / name)
    return folder


@pytest.mark.parametrize("name, inside", [("oldrun", " (with the run folder oldrun among them)"), ("metrics.json", "")])
def test_overwrite_never_removes_a_folder_that_only_holds_a_run(made, tmp_path, name, inside):
    folder = project_folder(tmp_path, made, name)
    # before: "already holds a run; expected ... --overwrite", and --overwrite removed the folder, thesis.tex and all
    assert_refused(["demo", "data=parquet_dir", f"data.dir={made['mine']}", f"hydra.run.dir={folder}", "--overwrite"],
                   f"hydra.run.dir={folder}: holds files that are not a minectl run{inside}; expected a new or empty folder",
                   inputs=[folder])
    assert sorted(p.name for p in folder.iterdir()) == sorted(["thesis.tex", name])
    # a run's own folder is still replaced: test_run_folders.py::test_overwrite_replaces_the_run_in_a_named_folder


@pytest.mark.parametrize("key, flags", [("hydra.run.dir", []), ("hydra.sweep.dir", ["-m"])])
def test_a_quoted_home_folder_is_refused_not_made_as_a_folder_named_tilde(made, tmp_path, monkeypatch, key, flags):
    monkeypatch.chdir(tmp_path)
    home = _own_home(tmp_path, monkeypatch) / "r13_runs"
    # before: a run into ./~/r13_runs, a folder named ~ in the working folder (that `rm -rf ~` would not clean up)
    assert_refused(["demo", *flags, "data=parquet_dir", f"data.dir={made['mine']}", f"{key}='~/r13_runs'"],
                   f"{key}=~/r13_runs: ~ is the home folder to a shell only; expected the path in full, e.g. {key}={home}")
    assert not (tmp_path / "~").exists() and not home.exists()


def _own_home(tmp_path: Path, monkeypatch) -> Path:
    """A home folder of the test's own: the real one's path may be a secret another test's config resolved from the
    environment (`${oc.env:HOME}`), which every later line of this process prints as ***."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    return home


def test_an_unquoted_home_folder_is_told_to_be_written_in_full_not_quoted(made, tmp_path, monkeypatch):
    home = _own_home(tmp_path, monkeypatch) / "r13_runs"
    line = assert_refused(["demo", "data=parquet_dir", f"data.dir={made['mine']}", "hydra.run.dir=~/r13_runs"],
                          f"(~ is the home folder to a shell only: write the path in full, hydra.run.dir={home})")
    assert "such a value is quoted" not in line  # before: the hint that quoted it into a folder named ~


def test_a_folder_with_a_tilde_inside_its_name_is_still_a_run_folder(made, tmp_path):
    run = tmp_path / "a~b"  # near miss: only a leading ~ is the shell's
    result = invoke("demo", "data=parquet_dir", f"data.dir={made['mine']}", f"hydra.run.dir='{run}'", "report=false")
    assert result.exit_code == 0, result.output
    assert json.loads((run / "metrics.json").read_text())["cost.total"] == LABOUR_TOTAL


@pytest.mark.parametrize("override", ["cost.outlier_sigma=null", "costs.currency=null"])
def test_null_for_a_nested_key_that_takes_a_value_names_the_override(override):
    # before: "Error merging override ... field 'cost.outlier_sigma' is not Optional" (only a top-level key was said plainly)
    assert_refused(["demo", override, "--cfg", "job"], f"error: {override}: the key cannot be null; expected a value of its type")


def test_a_list_item_written_with_brackets_is_told_the_index_as_a_key():
    line = assert_refused(["demo", "cost.anomaly_items[2]=cost_material", "--cfg", "job"],
                          "(a list's item is set with its index as a key: cost.anomaly_items.2=cost_material)")
    assert "quoted" not in line  # before: "such a value is quoted: cost.anomaly_items[2]='cost_material'", which fails the same way
    result = invoke("demo", "cost.anomaly_items.2=cost_material", "--cfg", "job")  # the form told: the third item replaced
    assert result.exit_code == 0 and "  - unit_cost\n  - cost_material\n  - maintenance_cost_per_t\n" in result.output


def test_a_run_folder_named_by_a_link_to_nowhere_says_so(made, tmp_path):
    link = tmp_path / "runs"
    link.symlink_to(tmp_path / "gone")  # e.g. a link to a disk not mounted now
    # before: "cannot make that folder (File exists)", of a folder that does not exist
    assert_refused(["demo", "data=parquet_dir", f"data.dir={made['mine']}", f"hydra.run.dir={link}"],
                   f"hydra.run.dir={link}: a link to {tmp_path / 'gone'}, which does not exist; expected a folder, or a link to one")
    assert link.is_symlink() and not (tmp_path / "gone").exists()


def test_verify_into_a_place_it_cannot_make_names_out_not_hydra_run_dir(made, tmp_path):
    """`verify RUN --out /proc/x` said "hydra.run.dir=/proc/x: cannot make that folder", a key the user did not give;
    a folder --out can make (parents too) still replays."""
    job = made["sweep"] / "0"
    assert_refused(["verify", job, "--out", "/proc/minectl_r13"],
                   "--out /proc/minectl_r13: cannot write there (No such file or directory); expected a folder you can create "
                   "and write", inputs=[job])
    result = invoke("verify", job, "--out", tmp_path / "a" / "replay")
    assert result.exit_code == 0 and "reproduced" in result.output, result.output
