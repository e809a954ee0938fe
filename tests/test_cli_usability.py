"""What a new user tries first: --version, shell completion, sweep tables at 80 columns,
`risk predict --help` and where predict writes."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from minectl.cli import _predict_out, app
from minectl.errors import ConfigError


def minectl(*args: object, code: int = 0, env: dict | None = None):
    result = CliRunner().invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def test_version():
    assert minectl("--version").output == f"minectl {version('minectl')}\n"


def test_the_console_entry_freezes_the_objects_before_the_exit(monkeypatch, capsys):
    """main() (the `minectl` command) leaves the interpreter nothing to collect at the exit
    (0.5 s with torch loaded); app(), which tests and embedders call, does not."""
    import gc

    from minectl.cli import main

    monkeypatch.setattr("sys.argv", ["minectl", "--version"])
    gc.unfreeze()
    try:
        with pytest.raises(SystemExit) as done:
            main()
        assert done.value.code == 0 and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert capsys.readouterr().out.startswith("minectl ")


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("minectl") is None, reason="needs bash and the minectl command")
def test_bash_completion_completes_commands_groups_and_options():
    """The script of `minectl --show-completion bash`, sourced in bash; bash splits `data=p` at the `=`."""
    script = """eval "$(minectl --show-completion bash)"
for line in "minectl rep" "minectl demo mo" "minectl demo data =" "minectl demo data = p"; do
  read -ra COMP_WORDS <<< "$line"; COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
  [[ "$line" == *" " ]] && COMP_CWORD=${#COMP_WORDS[@]}
  _minectl_completion minectl; echo "${COMPREPLY[*]}"
done"""
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines() == ["report", "model=", "=duckdb =parquet_dir =postgres =synthetic", "parquet_dir postgres"], done.stderr
    assert "--install-completion" in minectl("--help").output


def test_the_task_help_page_advertises_the_completion_that_works():
    page = (Path(__file__).resolve().parents[1] / "conf" / "hydra" / "hydra_help" / "minectl.yaml").read_text()
    assert "minectl --install-completion" in page and "-sc" not in page.split("template:")[1]


def _sweep(folder: Path) -> Path:
    """Three finished jobs: a list override, long metric names, one failure."""
    for job, (x, status) in enumerate([("[1,2]", "ok"), ("[3,4]", "ok"), ("[5,6]", "failed")]):
        saved = folder / str(job) / ".hydra"
        saved.mkdir(parents=True)
        (saved / "overrides.yaml").write_text(f"- debug=quick\n- +optimize.decision.weights_at_low={x}\n- seed={job}\n")
        error = None if status == "ok" else "objective=foo is not a metric of this run"
        (folder / str(job) / "status.json").write_text(json.dumps({"status": status, "error": error}))
        if status == "ok":
            metrics = {f"backtest.mape.{m}": 1.0 + job for m in ("naive", "seasonal_naive", "arima", "lstm")}
            metrics |= {f"backtest_h3.mape.{m}": 2.0 + job for m in ("naive", "seasonal_naive", "arima", "lstm")}
            (folder / str(job) / "metrics.json").write_text(json.dumps(metrics))
    return folder


def test_a_sweep_table_reads_at_80_columns(tmp_path):
    output = minectl("summarize", _sweep(tmp_path / "sweep"), code=1, env={"COLUMNS": "80"}).output
    lines = output.splitlines()
    assert max(map(len, lines)) <= 80
    assert "[1,2]" in output and "[5,6]" in output  # list values shown, not eaten as markup
    header = "".join(line for line in lines if line.startswith("┃"))
    assert "┃ status ┃" in header and "weights_" in header and "at_low" in header  # wrapped, not cut to "sta…"
    assert "mape.seas" in header and "seasonal_naive ┃" not in header  # unique among all metrics (backtest_h3.mape.* too)
    assert "same in every job: debug=quick" in output and "more metrics: pick them with --metric NAME" in output
    picked = minectl("summarize", tmp_path / "sweep", "--metric", "backtest_h3.mape.lstm", "--metric", "backtest.mape.lstm",
                     code=1, env={"COLUMNS": "80"}).output
    assert "backtest_h3.mape." in picked and "naive" not in picked and "more metrics" in picked
    assert "│   1 │ [3,4]" in picked.replace("weights_at_low", "")  # job 1's row, its list value intact
    assert "  3 │" in picked.split("│   1 │")[1].splitlines()[0]  # job 1: backtest_h3 = 2 + 1 = 3


def test_risk_predict_help_is_its_own():
    output = minectl("risk", "predict", "--help").output
    assert output.startswith("Usage: minectl risk predict RUN_DIR") and "out=FILE" in output
    assert minectl("risk", "--help").output.startswith("Usage: minectl risk [OPTIONS]")


def test_risk_predict_writes_outside_the_training_run(tmp_path, monkeypatch):
    run = tmp_path / "run"
    run.mkdir()
    with pytest.raises(ConfigError, match=r"out=.*x.parquet is inside the run folder .*; expected a path outside it"):
        _predict_out("risk", "risk predict", run, [f"out={run / 'sub' / 'x.parquet'}"])
    given = ["data.dir=x", f"out={tmp_path / 'p.parquet'}"]
    assert _predict_out("risk", "risk predict", run, given) == (given, [])  # no folder made
    monkeypatch.chdir(tmp_path)
    first, second = _predict_out("risk", "risk predict", run, []), _predict_out("risk", "risk predict", run, [])
    made = [Path(args[-1].removeprefix("out=")) for args, _ in (first, second)]
    assert made[0] != made[1] and all(p.parent.is_dir() and p.name == "predictions.parquet" for p in made)
    assert all(p.parts[:2] == ("outputs", "risk_predict") for p in made)  # relative to the working folder
    # what a refused predict removes when empty: the time folder, then the date, risk_predict and outputs folders it made
    assert first[1] == [made[0].parent, *made[0].parents[1:4]] and second[1] == [made[1].parent]
    # extract's predict writes tables into a folder: the new folder itself
    args, claimed = _predict_out("extract", "factors extract predict", run, [])
    (folder,) = [Path(a.removeprefix("out=")) for a in args]
    assert claimed[0] == folder and folder.is_dir() and folder.parts[:2] == ("outputs", "extract_predict") and not any(folder.iterdir())


@pytest.mark.skipif(importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is not None, reason="the ray extra is installed")
def test_the_ray_launchers_without_the_extra_say_what_to_install(tmp_path):
    for launcher in ("ray", "ray_cluster"):
        line = minectl("capacity", "-m", "seed=1,2", f"hydra/launcher={launcher}", f"hydra.sweep.dir={tmp_path / launcher}", code=2).output
        assert line.startswith("error: ") and line.rstrip().endswith('need the ray extra: pip install -e ".[ray]"'), line
        assert not (tmp_path / launcher).exists()
