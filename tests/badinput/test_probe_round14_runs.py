"""Round 14, runs: the options that shape --cfg/--info, a task's mistyped command line, `+key` of a key the config
has, names that are not UTF-8, and two runs started at once into one named folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import write_tiny_mine
from harness import assert_refused, invoke

from minectl.errors import ConfigError
from minectl.runfolder import claim_output_dir

NOT_UTF8 = b"mine\xff".decode("utf-8", "surrogateescape")  # how Python hands over a Latin-1 name from the command line


def hand_made_run(folder: Path) -> Path:
    """A run folder as `minectl report` reads it: its config, a metric, a table and a plot."""
    import polars as pl

    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra" / "config.yaml").write_text("task_name: cost\nseed: 0\n")
    (folder / ".hydra" / "overrides.yaml").write_text("[]\n")
    (folder / "metrics.json").write_text('{"cost.total": 2975.0}')
    (folder / "tables").mkdir()
    pl.DataFrame({"mine_id": ["A"], "cost": [2975.0]}).write_parquet(folder / "tables" / "totals.parquet")
    (folder / "plots").mkdir()
    (folder / "plots" / "totals.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(16))
    return folder


# ------------------------------------------------------------------ --cfg, --info and what shapes their output

@pytest.mark.parametrize("args, expect", [
    (["--cfg", "jobs"], "--cfg jobs: unknown part of the config; expected one of: job, hydra, all"),  # was Hydra's usage block
    (["--info", "tree"], "--info tree: unknown kind of information; expected one of: all, config, defaults, defaults-tree"),
    (["--cfg", "job", "--info", "all"], "--cfg with --info: Hydra prints one of them"),  # was a line blaming a logging config
    (["--cfg", "job", "--package", "nosuch"], "--package nosuch: not a key of the config --cfg job prints"),  # exit 1, no error:
    (["--cfg", "job", "--package", "hydra.run"], "at its top: task_name, seed, objective, report, data, costs, cost"),
    (["--cfg", "hydra", "--package", "cost"], "not a key of the config --cfg hydra prints"),
    (["--info", "config", "--overwrite"], "--overwrite with --info: nothing is run, so no run folder is replaced"),
])
def test_a_wrong_cfg_or_info_is_one_line(args, expect):
    assert_refused(["cost", *args], expect)


@pytest.mark.parametrize("option", [["--resolve"], ["--package", "cost"]])
def test_resolve_or_package_without_cfg_is_refused_before_any_run(tmp_path, option):
    """--package alone ran the whole task, the option unread; --resolve alone made the run folder, then was refused
    as "a logging config that dictConfig accepts"."""
    run = tmp_path / "run"
    assert_refused(["cost", *option, f"hydra.run.dir={run}"], f"{option[0]} without --cfg", run_dir=run)
    assert not run.exists()


def test_package_of_a_key_prints_its_value_and_resolve_with_cfg_still_works():
    result = invoke("cost", "--cfg", "job", "--resolve", "--package", "cost", "cost.outlier_sigma=${cost.z_threshold}",
                    "cost.z_threshold=2.5")
    assert result.exit_code == 0 and "outlier_sigma: 2.5" in result.output, result.output


# ------------------------------------------------------------------ a task's mistyped command line

@pytest.mark.parametrize("args, expect", [
    (["--nosuch"], "minectl cost: no such option: --nosuch; expected minectl cost [OVERRIDES]... [--multirun]"),
    (["--info"], "minectl cost: option '--info' requires an argument"),  # was click's `Error:` after its usage block
    (["seed=3", "--cfg"], "option '--cfg' requires an argument"),
])
def test_a_mistyped_task_command_line_is_one_line(args, expect):
    line = assert_refused(["cost", *args], expect)
    assert "takes no overrides" not in line  # a task takes them


# ------------------------------------------------------------------ Hydra's "Either ... Or" and a recursive ${...}

def test_plus_of_a_key_the_config_has_says_which_override_to_write():
    assert_refused(["cost", "--cfg", "job", "+seed=3"],
                   "error: +seed=3: seed is a key of the config already; expected seed=3 (+ adds a key the config lacks)")
    assert invoke("cost", "--cfg", "job", "++seed=3").output.splitlines()[1] == "seed: 3"  # ++ sets it either way


def test_a_value_naming_itself_says_what_is_expected():
    assert_refused(["cost", "--cfg", "job", "cost.output=${cost.impute_cycle}", "cost.impute_cycle=${cost.output}"],
                   ["Recursive interpolation detected", "expected each ${...} to name a key whose value does not lead back"])


# ------------------------------------------------------------------ overrides Hydra's grammar cannot read as written

@pytest.mark.parametrize("override, expect", [
    # a real DSN's query string: told to quote it (as `#` and 矿 were), its password still masked
    ("data.dsn=postgresql://u:Pw14secret@db/mine?sslmode=require",
     "(such a value is quoted: data.dsn='postgresql://u:***@db/mine?sslmode=require')"),
    ("=x", "cannot parse override '=x' (no key before =)"),  # was "No match in the defaults list. ... use +=x"
    ("cost.=x", "(a key is names joined by single dots, e.g. cost.output)"),  # was told to quote the value: cost.='x'
    ("cost..output=x", "(a key is names joined by single dots, e.g. cost.output)"),
])
def test_an_override_hydra_cannot_read_says_how_to_write_it(override, expect):
    line = assert_refused(["cost", "--cfg", "job", "data=postgres", override], expect, secrets=["Pw14secret"])
    assert "+=x" not in line and "cost.='x'" not in line


def test_a_quoted_dsn_with_its_query_string_is_read_whole():
    result = invoke("cost", "--cfg", "job", "--package", "data.dsn", "data=postgres",
                    "data.dsn='postgresql://u@db/mine?sslmode=require&connect_timeout=5'")
    assert result.exit_code == 0 and result.output.strip() == "postgresql://u@db/mine?sslmode=require&connect_timeout=5"


# ------------------------------------------------------------------ names that are not UTF-8

def test_a_path_that_is_not_utf8_is_refused_before_the_run_folder_is_made(tmp_path):
    """A Latin-1 folder name, quoted as the parse error had advised: polars' TypeError traceback after the run
    folder was made; `report` and `summarize` of such a folder: the same traceback."""
    mine = write_tiny_mine(tmp_path / "mine").rename(tmp_path / NOT_UTF8)  # polars writes into no such folder either
    run = tmp_path / "run"
    assert_refused(["cost", "data=parquet_dir", f"data.dir='{mine}'", f"hydra.run.dir={run}"],
                   [f"'data.dir='{tmp_path}/mine\\xff'' holds bytes that are not UTF-8", "expected UTF-8 text"],
                   inputs=[mine], run_dir=run)
    assert not run.exists()
    for command in ("report", "summarize"):
        assert_refused([command, mine], f"minectl {command}: '{tmp_path}/mine\\xff' holds bytes that are not UTF-8")


def test_a_unicode_folder_name_still_runs(tmp_path):
    mine = write_tiny_mine(tmp_path / "矿山")
    result = invoke("cost", "--cfg", "job", "--resolve", "--package", "data.dir", "data=parquet_dir", f"data.dir='{mine}'")
    assert result.exit_code == 0 and result.output.strip() == str(mine), result.output


@pytest.mark.parametrize("folder, suffix, expected", [("tables", ".parquet", "a table the run wrote"),
                                                      ("plots", ".png", "a PNG image the run drew")])
def test_report_of_a_run_holding_a_file_named_in_another_encoding_is_one_line(tmp_path, folder, suffix, expected):
    run = hand_made_run(tmp_path / "run")
    original = next((run / folder).glob(f"*{suffix}"))
    shutil.copy(original, run / folder / f"{NOT_UTF8}{suffix}")
    assert_refused(["report", run], [f"{run}/{folder}/mine\\xff{suffix}: a name that is not UTF-8", expected], inputs=[run])
    assert not (run / "report.html").exists()
    (run / folder / f"{NOT_UTF8}{suffix}").unlink()
    result = invoke("report", run)  # the run as it was written
    assert result.exit_code == 0 and (run / "report.html").is_file(), result.output


# ------------------------------------------------------------------ two runs started at once into one named folder

def _another_run_claims(monkeypatch, made: Path) -> None:
    """A run started at the same time makes ``made`` between this run's checks and its mkdir."""
    import minectl.runfolder as runfolder

    checked = runfolder.holds_run

    def holds_run_then_the_other_claims(folder):
        found = checked(folder)
        made.mkdir()
        return found

    monkeypatch.setattr(runfolder, "holds_run", holds_run_then_the_other_claims)


@pytest.mark.parametrize("key", ["hydra.run.dir", "hydra.sweep.dir"])
def test_a_new_named_folder_made_meanwhile_by_another_run_is_refused(tmp_path, monkeypatch, key):
    """Both runs wrote into one folder and exited 0: its config one run's, its results the other's."""
    path = tmp_path / "run"
    _another_run_claims(monkeypatch, path)
    with pytest.raises(ConfigError, match=f"{key}={path}: taken by another run started at the same time"):
        claim_output_dir(path, key, False, False)


def test_an_empty_named_folder_claimed_meanwhile_by_another_run_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "run"
    path.mkdir()
    _another_run_claims(monkeypatch, path / ".hydra")
    with pytest.raises(ConfigError, match="taken by another run started at the same time"):
        claim_output_dir(path, "hydra.run.dir", False, False)


def test_an_empty_folder_or_a_failed_runs_folder_is_still_claimed(tmp_path):
    empty, failed = tmp_path / "empty", tmp_path / "failed"
    empty.mkdir()
    (failed / ".hydra").mkdir(parents=True)
    (failed / "status.json").write_text('{"status": "failed", "error": "x"}')
    assert claim_output_dir(empty, "hydra.run.dir", False, False) == empty and (empty / ".hydra").is_dir()
    assert claim_output_dir(failed, "hydra.run.dir", False, False) == failed
    assert claim_output_dir(tmp_path / "new" / "sweep", "hydra.sweep.dir", False, False).is_dir()
    assert not (tmp_path / "new" / "sweep" / ".hydra").exists()  # a sweep folder is no run folder


def test_a_run_stopped_before_its_job_leaves_its_folder_reusable(tmp_path, monkeypatch):
    """The claim's .hydra/ is taken back when Hydra never starts the job (here: a disk full as it starts), so the
    next run into the folder is not refused as "a run that has not finished"."""
    import hydra

    from minectl.runfolder import holds_run

    def failing_main(**_):
        def wrap(job):
            def start():
                raise OSError(28, "No space left on device")
            return start
        return wrap

    monkeypatch.setattr(hydra, "main", failing_main)
    run = tmp_path / "run"
    assert_refused(["cost", f"hydra.run.dir={run}"], "No space left on device", run_dir=run)
    assert run.is_dir() and not any(run.iterdir()) and not holds_run(run)
