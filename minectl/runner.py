"""Runs one Hydra job: the task function that `hydra.main` calls for every run or sweep job."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import random
import shutil
import signal
import sys
from pathlib import Path
from typing import Any, Iterator

from minectl.errors import ConfigError, DataError, MinectlError

log = logging.getLogger("minectl")

# what stops a run from outside besides Ctrl-C: a CI timeout, `timeout`, Slurm, `docker stop`; a closed terminal
STOP_SIGNALS = ("SIGTERM", "SIGHUP")


class Stopped(KeyboardInterrupt):
    """A stop signal, raised in the main thread as Ctrl-C's KeyboardInterrupt is: the job discards
    its partial results, says why in status.json and stops its workers."""


def stop_signals_interrupt() -> list[int]:
    """Make SIGTERM and SIGHUP stop this process as Ctrl-C does (raise `Stopped`); a second one ends
    it at once. A signal ignored when the process started (`nohup`) stays ignored. Returns the list
    that receives the number of the signal, for the exit code."""
    received: list[int] = []

    def stop(signum: int, frame: Any) -> None:
        received.append(signum)
        signal.signal(signum, signal.SIG_DFL)
        raise Stopped(signal.Signals(signum).name)

    for name in STOP_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is not signal.SIG_IGN:
            signal.signal(number, stop)
    return received


def execute_job(cfg: Any) -> float | None:
    """:func:`run_job`, with the run's folder locked meanwhile: `--overwrite` from another process tells a
    running run from a killed one, and refuses to remove the folder under a job that would go on writing into it."""
    from hydra.core.hydra_config import HydraConfig

    from minectl.runfolder import lock_run

    lock = lock_run(Path(HydraConfig.get().runtime.output_dir))
    try:
        return run_job(cfg)
    finally:
        if lock is not None:
            os.close(lock)


def run_job(cfg: Any) -> float | None:
    """Run the task named by cfg.task_name in Hydra's output dir; write metrics and status.

    A bad input fails a single run with one line and exit code 2; in a multirun the job is
    recorded as failed (status.json) and the sweep goes on.
    """
    import numpy as np
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    from minectl.constraints import check_config
    from minectl.redaction import config_secrets, environment_read, redact, redact_file, redact_logs, remember
    from minectl.results import Run, write_status
    from minectl.tasks import TASKS
    from minectl.workers import stop_ahead

    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    # secrets (${oc.env:...} values, URL passwords) leave no trace: not in what Hydra saved
    # before the job, nor in logs, status, provenance or messages written from here on
    remember(config_secrets(cfg))
    redact_logs()
    saved = list(Path(run_dir, hydra_cfg.output_subdir).glob("*.yaml")) if hydra_cfg.output_subdir else []
    for path in saved + ([Path(hydra_cfg.sweep.dir) / "multirun.yaml"] if multirun else []):
        if path.is_file():
            redact_file(path)
    run = Run(dir=run_dir, seed=int(cfg.seed))
    try:
        check_config(cfg)  # also a config that did not come through the CLI's pre-check (e.g. a sweeper's value)
        random.seed(cfg.seed)  # after the check: numpy refuses a seed out of range with a traceback
        np.random.seed(cfg.seed)
        task = importlib.import_module(TASKS[cfg.task_name][0])
        if hasattr(task, "check"):  # how the task's values relate (the CLI's pre-check runs it too)
            task.check(cfg)
        with held_until_objective(run.console, cfg.objective is not None), disk_full_in_one_line(run_dir):
            metrics = task.run(cfg, run)
            flat = run.finish(metrics, OmegaConf.to_container(cfg, resolve=True), environment_read(cfg))
            if cfg.objective is not None and cfg.objective not in flat:  # a failed job like any other, before its status
                raise ConfigError(f"objective={cfg.objective} is not a metric of this run; expected one of: "
                                  f"{_closest(cfg.objective, flat)}")
        if cfg.get("report", True):
            _write_report(run_dir)
    except MinectlError as exc:
        stop_ahead()  # workers started for this run and not taken: now, not after their imports
        run.discard()
        write_status(run_dir, False, str(exc))
        if multirun:
            log.error("job failed: %s", exc)
            return None
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
    except (KeyboardInterrupt, Exception) as exc:
        stop_ahead()
        run.discard()
        interrupt = _interrupt_behind(exc)
        if interrupt is not None:  # Ctrl-C or a stop signal: no partial results, and the job says why it stopped
            write_status(run_dir, False, f"{stop_reason(interrupt)} before the job finished")
            raise interrupt from None
        write_status(run_dir, False, f"{type(exc).__name__}: {exc}")
        if multirun:
            log.exception("job failed")
            return None
        raise
    write_status(run_dir, True, tables_sha256=run.tables_sha256)  # last: a job whose status says ok has done all its work
    run.console.print(f"[dim]run dir:[/] {run_dir}")
    return None if cfg.objective is None else flat[cfg.objective]


@contextlib.contextmanager
def held_until_objective(console: Any, hold: bool) -> Iterator[None]:
    """What the task prints, held back while ``hold`` until the block ends cleanly: a task's metric
    names are known only once it has run, and a misnamed objective= then fails the run in one line,
    not after its tables as if they were results (the run's other failures drop them too)."""
    if not hold:
        yield
        return
    console.begin_capture()
    try:
        yield
    except BaseException:
        console.end_capture()
        raise
    console.file.write(console.end_capture())
    console.file.flush()


@contextlib.contextmanager
def disk_full_in_one_line(run_dir: Path) -> Iterator[None]:
    """A disk that fills up while the run writes its results fails it as a bad input does, in one line
    (the run's partial results are then removed), not in the traceback of whichever writer met it
    (PIL's savefig, polars' write_parquet)."""
    from minectl.atomic import no_room_left

    try:
        yield
    except Exception as exc:
        code = None if isinstance(exc, MinectlError) else no_room_left(exc, run_dir)  # a bad input says its own line
        if code is None:
            raise
        raise DataError(f"{run_dir}: cannot write the run's results ({os.strerror(code)}); expected room for them on "
                        "that disk (what the run wrote is removed)") from None


def _interrupt_behind(error: BaseException | None) -> KeyboardInterrupt | None:
    """The KeyboardInterrupt of ``error`` or of its causes: met inside the import of a C extension,
    Ctrl-C or a stop signal comes out as "ImportError: initialization failed"."""
    while error is not None and not isinstance(error, KeyboardInterrupt):
        error = error.__cause__ or error.__context__
    return error


def stop_reason(interrupt: KeyboardInterrupt) -> str:
    return f"stopped by {interrupt}" if isinstance(interrupt, Stopped) else "interrupted (Ctrl-C)"


def fail_unfinished_jobs(sweep_dir: Path, interrupt: KeyboardInterrupt) -> None:
    """A sweep stopped in this process: the jobs that other processes were running (a joblib or Ray
    launcher's workers, killed with the sweep, before their own cleanup) leave no partial results
    either, and say why they stopped. A job holding a status.json ended on its own: left as it is."""
    from minectl.results import STATUS_FILE, job_dirs, write_status

    for job in job_dirs(sweep_dir):
        if (job / STATUS_FILE).exists():
            continue
        for path in job.iterdir():  # all but what Hydra wrote before the job (as Run.discard)
            if path.name != ".hydra" and path.suffix != ".log":
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        write_status(job, False, f"{stop_reason(interrupt)} before the job finished (its worker process was stopped)")


def _closest(name: str, metrics: dict) -> str:
    """The metric names nearest to ``name`` (a typo), else the first few, for an error line."""
    import difflib

    near = difflib.get_close_matches(name, list(metrics), n=3, cutoff=0.6) or sorted(metrics)[:5]
    # the failed run's metrics.json is removed with its other results: say where the full list is
    return ", ".join(near) + (f" ({len(metrics)} metrics; a run without objective= lists them in its metrics.json)"
                              if len(metrics) > len(near) else "")


def _write_report(run_dir: Path) -> None:
    """report.html of a finished run; a report that cannot be drawn is a warning, never a
    failed run (its results stand; `minectl report RUN_DIR` draws it again)."""
    from minectl.report.page import write_run_report

    try:
        write_run_report(run_dir, {"status": "ok", "error": None})
    except Exception as exc:  # noqa: BLE001 - a report bug must not discard the run's results
        log.warning("report.html not written: %s: %s", type(exc).__name__, exc)
