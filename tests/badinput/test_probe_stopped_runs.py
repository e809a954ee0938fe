"""Runs stopped from outside: SIGTERM (a CI timeout, `timeout`, Slurm, `docker stop`), SIGHUP (a
closed terminal), SIGKILL (the out-of-memory killer) and Ctrl-C.

A stopped run leaves no partial results and says why in status.json; every later reader of its
folder (`verify`, `risk predict`, `summarize`, a rerun into it) tells the truth in one line; the
worker processes of a killed run end with it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import write_tiny_mine
from harness import assert_refused, copy_without, demo_and_risk_runs, invoke, partial_results

from minectl import runner
from minectl.tasks import cost

# the cost task as a job that writes a table, says so in a file `started` of its run folder, then waits to be
# stopped: the signal comes while the job has partial results (imported by every Python process of a sweep, loky's
# workers too)
SLOW_JOBS = """
from minectl.tasks import cost

def run(cfg, out):
    import time
    import polars as pl

    out.table("daily", pl.DataFrame({"cost": [1.0]}))
    out.writes["daily.parquet"].result()
    (out.dir / "started").write_text("")
    time.sleep(60)

cost.run = run
"""
# `minectl` with that job
STOPPABLE = SLOW_JOBS + """
import sys
sys.argv = ["minectl", *sys.argv[1:]]
from minectl.cli import main
main()
"""


def as_from_a_terminal() -> None:
    """A child's stop signals as a terminal session has them: tests run under nohup (SIGHUP
    ignored) or in a background job (SIGINT ignored) pass those on, and minectl keeps them so."""
    for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, signal.SIG_DFL)


def wait_for(path: Path, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, f"exited {process.returncode} before {path} appeared"
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.05)


def running(pid: int) -> bool:
    """Whether process ``pid`` exists and has not ended (a zombie has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_stop_signal_ends_a_run_as_ctrl_c_does(tmp_path, stop):
    """Before: the process died at once (exit -15), leaving tables/daily.parquet and no status.json;
    the rerun into the folder was refused as holding a run."""
    mine, run = write_tiny_mine(tmp_path / "mine"), tmp_path / "run"
    data = ["data=parquet_dir", f"data.dir={mine}"]
    process = subprocess.Popen([sys.executable, "-c", STOPPABLE, "cost", *data, f"hydra.run.dir={run}"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=as_from_a_terminal)
    wait_for(run / "started", process)
    process.send_signal(stop)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 128 + stop, output  # the shell's code for the signal, as without a handler
    assert "Traceback" not in output, output
    assert json.loads((run / "status.json").read_text()) == {
        "status": "failed", "error": f"stopped by {stop.name} before the job finished"}
    assert sorted(p.name for p in run.iterdir()) == [".hydra", "cost.log", "status.json"]
    assert_refused(["verify", run], f"{run / 'status.json'}: the run failed (stopped by {stop.name} before the job "
                                    "finished); expected the folder of a run that finished", inputs=[run])
    rerun = invoke("cost", *data, f"hydra.run.dir={run}")  # the folder of a stopped run is reused
    assert rerun.exit_code == 0, rerun.output
    assert json.loads((run / "status.json").read_text())["status"] == "ok"


def test_ctrl_c_inside_an_import_is_an_interrupt_not_an_import_error(tiny_mine, tmp_path, monkeypatch):
    """Met inside a C extension's module init (pybind11's scipy.optimize._highspy), a KeyboardInterrupt
    comes out as ImportError("initialization failed"). Before: status.json said "ImportError:
    initialization failed" and the run ended in Hydra's traceback."""
    def interrupted_in_an_import(cfg, out):
        out.table("daily", __import__("polars").DataFrame({"cost": [1.0]}))
        raise ImportError("initialization failed") from KeyboardInterrupt()

    monkeypatch.setattr(cost, "run", interrupted_in_an_import)
    run = tmp_path / "run"
    result = invoke("cost", "data=parquet_dir", f"data.dir={tiny_mine}", f"hydra.run.dir={run}")
    assert result.exit_code == 130  # Ctrl-C's, as typer gives it
    assert json.loads((run / "status.json").read_text()) == {
        "status": "failed", "error": "interrupted (Ctrl-C) before the job finished"}
    assert not partial_results(run)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A demo run on a tiny mine and a risk run, made once."""
    return demo_and_risk_runs(tmp_path_factory.mktemp("finished"))


def killed_copy(finished, name: str, tmp_path: Path) -> Path:
    """A copy of the run as SIGKILL leaves it between its last result and status.json (written last)."""
    return copy_without(finished[name], tmp_path, "status.json")


def test_verify_refuses_a_run_killed_before_its_status(finished, tmp_path):
    """Before: `verify` replayed the run and said "reproduced: ... metrics identical", exit 0."""
    run = killed_copy(finished, "demo", tmp_path)
    assert_refused(["verify", run], f"{run / 'status.json'}: missing: the run did not finish (stopped, killed, or still "
                                    "running); expected the folder of a run that finished (its status.json says ok)",
                   inputs=[run])
    (run / "status.json").write_text(json.dumps({"status": "failed", "error": "boom"}))  # metrics.json kept
    assert_refused(["verify", run], "status.json: the run failed (boom)", inputs=[run])


def test_risk_predict_refuses_the_model_of_a_run_killed_before_its_status(finished, tmp_path, monkeypatch):
    """Before: the model of a run that never finished scored the data, exit 0."""
    run = killed_copy(finished, "risk", tmp_path)
    monkeypatch.chdir(tmp_path)  # the default out= folder, outputs/risk_predict/...: none is left behind
    assert_refused(["risk", "predict", run], f"{run / 'status.json'}: missing: the run did not finish", inputs=[run])
    assert not (tmp_path / "outputs").exists()  # before: outputs/risk_predict/DATE/ stayed, empty


def test_a_refused_predict_keeps_the_output_folders_that_were_there(finished, tmp_path, monkeypatch):
    run = killed_copy(finished, "risk", tmp_path)
    monkeypatch.chdir(tmp_path)
    earlier = tmp_path / "outputs" / "risk_predict" / "2020-01-01" / "00-00-00"
    earlier.mkdir(parents=True)
    assert_refused(["risk", "predict", run], f"{run / 'status.json'}: missing: the run did not finish", inputs=[run])
    assert sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "outputs").rglob("*")) == \
        ["outputs/risk_predict", "outputs/risk_predict/2020-01-01", "outputs/risk_predict/2020-01-01/00-00-00"]


def test_a_rerun_into_the_folder_of_a_killed_run_says_it_did_not_finish(finished, tmp_path):
    run = killed_copy(finished, "demo", tmp_path)
    assert_refused(["demo", f"hydra.run.dir={run}"], f"hydra.run.dir={run}: already holds a run that has not finished "
                   "(still running, or killed); expected a new folder, or --overwrite to replace that run", inputs=[run])


def test_a_sweep_stopped_while_workers_run_its_jobs_leaves_them_failed_and_empty(tiny_mine, tmp_path, monkeypatch):
    """A joblib (or Ray) launcher runs jobs in worker processes, which the sweep's process kills
    (SIGKILL) when it is stopped: a job's own cleanup never runs. Before: the job folder kept its
    half-written tables and no status.json."""
    def stopped_while_a_worker_writes(cfg):
        from hydra.core.hydra_config import HydraConfig

        tables = Path(HydraConfig.get().runtime.output_dir) / "tables"
        tables.mkdir()
        (tables / ".daily.parquet.x.tmp").write_bytes(b"PAR1 half")  # as the killed worker left it
        raise KeyboardInterrupt  # what the sweep's process meets meanwhile (Ctrl-C; a stop signal is the same)

    monkeypatch.setattr(runner, "execute_job", stopped_while_a_worker_writes)
    sweep = tmp_path / "sweep"
    result = invoke("cost", "-m", "data=parquet_dir", f"data.dir={tiny_mine}", "seed=0,1", f"hydra.sweep.dir={sweep}")
    assert result.exit_code == 130
    assert not partial_results(sweep)
    assert json.loads((sweep / "0" / "status.json").read_text()) == {
        "status": "failed", "error": "interrupted (Ctrl-C) before the job finished (its worker process was stopped)"}
    monkeypatch.undo()
    summary = invoke("summarize", sweep)
    assert summary.exit_code == 1
    assert "job 0 failed: interrupted (Ctrl-C)" in summary.output and "job 1 not started" in summary.output


# spawns one worker, prints its process id and waits to be killed
WORKER_PARENT = """
import time
from minectl.workers import start_ahead

workers = start_ahead(1, ())
print(workers.processes[0].pid, flush=True)
time.sleep(60)
"""


def test_a_worker_ends_when_its_run_is_killed():
    """SIGKILL (the out-of-memory killer) leaves the run no cleanup. Before: its spawned worker
    waited for work for ever (an orphan holding its memory)."""
    parent = subprocess.Popen([sys.executable, "-c", WORKER_PARENT], stdout=subprocess.PIPE, text=True)
    worker = int(parent.stdout.readline())
    assert running(worker)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while running(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    if running(worker):
        os.kill(worker, signal.SIGKILL)
        pytest.fail("the worker outlived its killed run by 10 s")




def descendants(pid: int) -> list[int]:
    """The processes below ``pid``, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            children.setdefault(int(stat.read_text().rpartition(")")[2].split()[1]), []).append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    found, todo = [], [pid]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


@pytest.mark.slow
def test_sigterm_ends_a_joblib_sweep_and_its_workers(tmp_path):
    """The real thing: `minectl cost -m ... hydra/launcher=joblib` stopped by SIGTERM while its loky
    workers run both jobs. Before: exit -15, each job folder kept its table and no status.json,
    and the workers kept running."""
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(SLOW_JOBS)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), os.environ.get("PYTHONPATH", "")])}
    mine, sweep = write_tiny_mine(tmp_path / "mine"), tmp_path / "sweep"
    process = subprocess.Popen([sys.executable, "-m", "minectl.cli", "cost", "-m", "data=parquet_dir", f"data.dir={mine}",
                                "seed=0,1", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={sweep}"],
                               env=env, stdout=(tmp_path / "output").open("w"), stderr=subprocess.STDOUT,
                               preexec_fn=as_from_a_terminal)
    wait_for(sweep / "0" / "started", process, 120)
    wait_for(sweep / "1" / "started", process, 60)
    workers = descendants(process.pid)
    assert len(workers) >= 2, workers  # loky's two workers (and its resource trackers)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    time.sleep(1)
    left = [pid for pid in workers if running(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"worker processes still running after the sweep was stopped: {left}"
    assert process.returncode == 128 + signal.SIGTERM, (tmp_path / "output").read_text()
    assert not partial_results(sweep) and not list(sweep.rglob("started"))
    for job in ("0", "1"):
        assert json.loads((sweep / job / "status.json").read_text()) == {
            "status": "failed", "error": "stopped by SIGTERM before the job finished (its worker process was stopped)"}
