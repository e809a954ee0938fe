"""Bad-input corpus, round 6 (left items): `--cfg hydra` and `--cfg job` printed a password typed on the
command line (the task's overrides, override_dirname, data.dsn) that the saved .hydra copies redact.
`${oc.env:NAME}` in Hydra's own settings was not taken as a secret: its value was said in the error
line (hydra.job.name, hydra.output_subdir, a log file's name). A swept data.dir that is not a folder
was found inside each job, after the others had run; it is refused before any job now.
"""

from __future__ import annotations

import pytest
from conftest import write_tiny_mine
from harness import assert_refused, invoke

DATA_FOLDER_EXPECTED = "data folder not found; expected a folder of <table>.parquet files (minectl data synth --out)"


# ------------------------------------------------------------------ --cfg and a typed password

@pytest.mark.parametrize("part, expect", [
    ("hydra", ["- data.dsn=postgresql://u:***@127.0.0.1:1/x", "override_dirname: data.dsn=postgresql://u:***@127.0.0.1:1/x,data=postgres"]),
    ("job", ["dsn: postgresql://u:***@127.0.0.1:1/x"]),
])
def test_cfg_prints_a_typed_password_redacted(part, expect):
    result = invoke("cost", "--cfg", part, "data=postgres", "data.dsn=postgresql://u:Rb6CfgPw@127.0.0.1:1/x")
    assert result.exit_code == 0, result.output
    assert "Rb6CfgPw" not in result.output
    for line in expect:
        assert f" {line}\n" in result.output, result.output


def test_cfg_resolve_prints_the_values_as_asked():
    """docs/security.md: `--cfg job --resolve` prints resolved values, secrets included, because the user asked."""
    result = invoke("cost", "--cfg", "job", "--resolve", "data=postgres", "data.dsn=postgresql://u:Rb6ResolvePw@127.0.0.1:1/x")
    assert result.exit_code == 0, result.output
    assert "  dsn: postgresql://u:Rb6ResolvePw@127.0.0.1:1/x\n" in result.output


# ------------------------------------------------------------ ${oc.env:...} in Hydra's settings

@pytest.mark.parametrize("override, expect", [
    ("hydra.job.name=${oc.env:RB6_SECRET}", "hydra.job.name=***: would put the job's log file elsewhere than its run folder"),
    ("hydra.output_subdir=${oc.env:RB6_SECRET}", "hydra.output_subdir=***: minectl reads a run's saved config from .hydra/"),
    ("hydra.job_logging.handlers.file.filename=/proc/${oc.env:RB6_SECRET}.log",
     "hydra.job_logging.handlers.file.filename: '/proc/***.log' would be written outside the run folder"),
])
def test_an_environment_value_in_hydras_settings_is_a_secret(override, expect, monkeypatch, tmp_path):
    secret = f"Rb6/{len(override)}Hs"  # one of its own per case: secrets are remembered for the process
    monkeypatch.setenv("RB6_SECRET", secret)
    assert_refused(["cost", "debug=quick", override, f"hydra.run.dir={tmp_path / 'run'}"], expect, secrets=[secret],
                   run_dir=tmp_path / "run")


def test_a_run_folder_named_by_an_environment_value_is_shown_whole(monkeypatch, tmp_path):
    """The choice: a value naming the run's folder is not taken as a secret. The folder is made under that
    name (anyone listing its parent sees it), and the `run dir:` line must name a folder the user can open."""
    monkeypatch.setenv("RB6_RUN_NAME", "Rb6RunName")
    mine = write_tiny_mine(tmp_path / "mine")
    result = invoke("cost", "data=parquet_dir", f"data.dir={mine}", f"hydra.run.dir={tmp_path}/" + "${oc.env:RB6_RUN_NAME}")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "Rb6RunName" / "status.json").is_file()
    assert f"rundir:{tmp_path / 'Rb6RunName'}" in "".join(result.output.split())  # rich wraps it at 80 columns


# ----------------------------------------------------------------- data.dir of every sweep value

@pytest.mark.parametrize("task", ["cost", "risk"])
def test_a_swept_data_folder_that_is_missing_is_refused_before_any_job(task, tmp_path):
    mine, missing, sweep = write_tiny_mine(tmp_path / "mine"), tmp_path / "nope", tmp_path / "sweep"
    assert_refused([task, "-m", "debug=quick", "data=parquet_dir", f"data.dir={mine},{missing}", f"hydra.sweep.dir={sweep}"],
                   f"{missing}: {DATA_FOLDER_EXPECTED}", inputs=[mine], run_dir=sweep)
    assert not sweep.exists()


def test_a_data_folder_that_is_a_file_is_refused_before_the_run_folder_is_made(tmp_path):
    (tmp_path / "production.parquet").write_bytes(b"PAR1")
    run = tmp_path / "run"
    assert_refused(["cost", "data=parquet_dir", f"data.dir={tmp_path / 'production.parquet'}", f"hydra.run.dir={run}"],
                   f"{tmp_path / 'production.parquet'}: {DATA_FOLDER_EXPECTED}", inputs=[tmp_path / "production.parquet"])
    assert not run.exists()
