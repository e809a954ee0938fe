"""Bad-input corpus, round 8 (command lines and sweeps): a run or sweep folder whose `${...}` Hydra could
not resolve, or resolved again in each job; a job name too long for its log file's name, or naming an
unset variable; `-h` and `--info` with overrides; a range with step 0; a `${...}` naming a deleted key.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import assert_refused, invoke

RESOLVE = "expected a folder whose ${...} resolve before the run starts (keys of the config, set environment variables, ${now:...})"


def _nothing_made(root: Path) -> None:
    assert not list(root.iterdir()), sorted(p.name for p in root.iterdir())


# ------------------------------------------------------------------ hydra.run.dir / hydra.sweep.dir

@pytest.mark.parametrize("dir_, reason", [
    ("${nope}", "(Interpolation key 'nope' not found)"),
    ("${oc.env:MINECTL_R8_UNSET}", "(KeyError raised while resolving interpolation: \"Environment variable 'MINECTL_R8_UNSET' not found\")"),
    ("${hydra.job.num}", "(MissingMandatoryValue while resolving interpolation: Missing mandatory value: hydra.job.num)"),
])
def test_a_run_folder_that_does_not_resolve_is_refused_before_hydra(dir_, reason, tmp_path, monkeypatch):
    """Was Hydra's own stop after the pre-check: `Hydra could not run the job: ...; expected a config Hydra accepts
    (a logging config that logging.config.dictConfig accepts)`."""
    monkeypatch.delenv("MINECTL_R8_UNSET", raising=False)
    root = tmp_path / "out"
    root.mkdir()
    assert_refused(["cost", "debug=quick", f"hydra.run.dir={root}/r_{dir_}"],
                   [f"error: hydra.run.dir={root}/r_{dir_}: cannot be resolved {reason}; {RESOLVE}"])
    _nothing_made(root)


def test_a_sweep_folder_that_does_not_resolve_is_refused_before_any_folder(tmp_path):
    """Was exit 1, `the sweeper stopped: InterpolationKeyError: ...`."""
    root = tmp_path / "out"
    root.mkdir()
    assert_refused(["cost", "-m", "debug=quick", "seed=0,1", f"hydra.sweep.dir={root}/" + "${nope}"],
                   f"error: hydra.sweep.dir={root}/" + "${nope}: cannot be resolved (Interpolation key 'nope' not found)")
    _nothing_made(root)


@pytest.mark.parametrize("name, shown", [
    ("${hydra.job.override_dirname}", ""),
    ("${hydra.job.num}", ""),
    ("${seed}", " (ROOT/s_0 for one job, ROOT/s_1 for another)"),
])
def test_a_sweep_folder_that_differs_between_jobs_is_refused(name, shown, tmp_path):
    """Hydra resolves hydra.sweep.dir again in each job: `${hydra.job.override_dirname}` put the two jobs into
    `s_debug=quick,seed=0` and `s_debug=quick,seed=1`, multirun.yaml into `s_debug=quick,seed=0,1` and left the
    claimed `s_key=value` empty; the summary listed both jobs as not started (exit 1). `${hydra.job.num}` claimed
    `s_0` and then stopped in Hydra (exit 1)."""
    root = tmp_path / "out"
    root.mkdir()
    assert_refused(["cost", "-m", "debug=quick", "seed=0,1", f"hydra.sweep.dir={root}/s_{name}"],
                   f"error: hydra.sweep.dir={root}/s_{name}: names a value that differs between the jobs"
                   f"{shown.replace('ROOT', str(root))}, so each job would write into a sweep folder of its own; expected one "
                   "folder for the whole sweep (a job's own folder is hydra.sweep.subdir)")
    _nothing_made(root)


def test_a_sweep_folder_naming_what_every_job_shares_still_runs(tmp_path):
    """Not refused: the job's name is the task's, the same in every job."""
    result = invoke("cost", "-m", "debug=quick", "seed=0,1", "report=false", f"hydra.sweep.dir={tmp_path}/" + "${hydra.job.name}")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "cost").iterdir()) == ["0", "1", "multirun.yaml", "summary.parquet"]


# ------------------------------------------------------------------ hydra.job.name

def test_a_job_name_too_long_for_its_log_file_is_refused_before_the_run_folder(tmp_path):
    """Was `Hydra could not run the job: Unable to configure handler 'file' [Errno 36] File name too long`, an empty
    run folder left behind; in a sweep, exit 1 and `0/` and multirun.yaml left."""
    for name, ok in (("a" * 251, True), ("a" * 252, False), ("é" * 126, False)):
        args = ["cost", "debug=quick", f"hydra.job.name='{name}'", f"hydra.run.dir={tmp_path / 'run'}"]
        if ok:  # the longest name that fits: its log file's name is 255 bytes
            result = invoke("cost", "--cfg", "hydra", *args[1:])
            assert result.exit_code == 0, result.output
            continue
        assert_refused(args, f"error: hydra.job.name: {len(name.encode())} bytes long, too long for the name of its log file "
                             "(NAME.log at most 255 bytes); expected a name of at most 251 bytes")
        assert not (tmp_path / "run").exists()


def test_a_long_job_name_from_the_environment_is_not_quoted(tmp_path, monkeypatch):
    """A value of ${oc.env:...} is a secret, redacted where it appears whole: a quoted start of it would not be."""
    secret = "R8" + "s" * 300
    monkeypatch.setenv("MINECTL_R8_NAME", secret)
    assert_refused(["cost", "debug=quick", "hydra.job.name=${oc.env:MINECTL_R8_NAME}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "error: hydra.job.name: 302 bytes long", secrets=[secret[:12]])


def test_a_job_name_from_an_unset_variable_says_so(tmp_path, monkeypatch):
    """Was `hydra.job.name=${oc.env:X}: would put the job's log file elsewhere than its run folder`."""
    monkeypatch.delenv("MINECTL_R8_UNSET", raising=False)
    assert_refused(["cost", "debug=quick", "hydra.job.name=${oc.env:MINECTL_R8_UNSET}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "error: hydra.job.name=${oc.env:MINECTL_R8_UNSET}: cannot be resolved (KeyError raised while resolving "
                   "interpolation: \"Environment variable 'MINECTL_R8_UNSET' not found\"); expected a name the config or the "
                   "environment gives (the default: the task's name)")
    assert not (tmp_path / "run").exists()


# ------------------------------------------------------------------ -h and --info with overrides

@pytest.mark.slow
def test_help_with_an_override_shows_the_page():
    """Was `Hydra could not run the job: Could not override 'seed'. Key 'seed' is not in struct` (exit 2): Hydra's help
    composes no task config, so every task key was unknown to it."""
    for args in (["cost", "-h", "seed=3"], ["risk", "-h", "model=rf"]):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        assert "== Configuration groups ==" in result.output


@pytest.mark.parametrize("args, expect", [
    (["cost", "-h", "seed=x"], "error: seed=x: not an integer; expected an integer, e.g. seed=3"),
    (["cost", "--info", "config", "seed=x"], "error: seed=x: not an integer; expected an integer, e.g. seed=3"),
    # was exit 0, the config printed with zzz: 1 in it
    (["cost", "--info", "config", "+zzz=1"], "error: zzz: unknown key; expected one of: cost, costs, data, objective, report, seed"),
    (["cost", "--info", "all", "data=nope"], "error: In 'cost': Could not find 'data/nope'; expected one of: duckdb, parquet_dir"),
])
def test_help_and_info_check_their_overrides_as_cfg_does(args, expect):
    """--info printed a line of stars, then `Hydra could not run the job: ...; expected a config Hydra accepts (a logging
    config that logging.config.dictConfig accepts)`."""
    line = assert_refused(args, expect)
    assert "Hydra could not run the job" not in line


# ------------------------------------------------------------------ sweeps and deletions

def test_a_range_with_step_zero_is_refused_in_words(tmp_path):
    """Was `error: range() arg 3 must not be zero`."""
    assert_refused(["cost", "-m", "debug=quick", "seed=range(0,3,0)", f"hydra.sweep.dir={tmp_path / 's'}"],
                   "error: seed=range(0,3,0): a range's step is 0; expected a step other than 0 (range(start, stop, step))")
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("override, key", [("~seed", "seed"), ("cost.outlier_sigma=${nope}", "nope")])
def test_a_value_naming_a_key_the_config_lacks_says_what_to_do(override, key, tmp_path):
    """`~seed` in cost: `data.synthetic.seed` is `${seed}`; the line named the missing key but not what was expected."""
    assert_refused(["cost", "debug=quick", override, f"hydra.run.dir={tmp_path / 'run'}"],
                   f"not found (key: {'data.synthetic.seed' if key == 'seed' else 'cost.outlier_sigma'}); expected each ${{...}} "
                   "to name a key of the config (a key that a value names cannot be deleted with ~)")


@pytest.mark.parametrize("subdir", ["multirun.yaml", "summary.parquet", "report.html/a"])
def test_a_job_folder_named_like_a_file_of_the_sweep_is_refused(subdir, tmp_path):
    """`hydra.sweep.subdir=multirun.yaml` of a one-job sweep: exit 1, `the sweeper stopped: FileExistsError: [Errno 17]
    File exists: '.../multirun.yaml'`, the sweep folder left with multirun.yaml in it."""
    assert_refused(["cost", "-m", "debug=quick", "seed=0", f"hydra.sweep.subdir={subdir}", f"hydra.sweep.dir={tmp_path / 's'}"],
                   f"error: hydra.sweep.subdir={subdir}: a job's folder would be {subdir}, a file the sweep writes beside its jobs; "
                   "expected another name (the default ${hydra.job.num})")
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("override, expect", [
    ("+hydra.job.chdr=true", "error: hydra.job.chdr: unknown key (did you mean 'chdir'?); expected one of: chdir, config, config_name"),
    ("+hydra.foo=1", "error: hydra.foo: unknown key; expected one of: callbacks, defaults, help, hydra_help, hydra_logging, job,"),
])
def test_a_key_added_to_hydras_own_schema_is_refused(override, expect, tmp_path):
    """Was exit 0: the run went on without chdir, `chdr: true` only in .hydra/hydra.yaml (without the `+`, refused)."""
    assert_refused(["cost", "debug=quick", override, f"hydra.run.dir={tmp_path / 'run'}"], expect)
    assert not (tmp_path / "run").exists()


def test_an_entry_added_to_a_map_of_hydras_node_still_runs(tmp_path):
    result = invoke("cost", "debug=quick", "report=false", "+hydra.job.env_set.OMP_NUM_THREADS=1", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
