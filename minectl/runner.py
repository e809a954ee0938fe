"""Runs one Hydra job: the task function that `hydra.main` calls for every run or sweep job."""

from __future__ import annotations

import importlib
import logging
import random
import sys
from pathlib import Path
from typing import Any

from minectl.errors import ConfigError, MinectlError

log = logging.getLogger("minectl")


def execute_job(cfg: Any) -> float | None:
    """Run the task named by cfg.task_name in Hydra's output dir; write metrics and status.

    A bad input fails a single run with one line and exit code 2; in a multirun the job is
    recorded as failed (status.json) and the sweep goes on.
    """
    import numpy as np
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    from minectl.constraints import check_config
    from minectl.redaction import config_secrets, redact, redact_file, redact_logs, remember
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
        metrics = task.run(cfg, run)
        flat = run.finish(metrics, OmegaConf.to_container(cfg, resolve=True))
        if cfg.objective is not None and cfg.objective not in flat:  # a failed job like any other, before its status
            raise ConfigError(f"objective={cfg.objective} is not a metric of this run; expected one of: {_closest(cfg.objective, flat)}")
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
    except KeyboardInterrupt:  # Ctrl-C: the job leaves no partial results, and says why it stopped
        stop_ahead()
        run.discard()
        write_status(run_dir, False, "interrupted (Ctrl-C) before the job finished")
        raise
    except Exception as exc:
        stop_ahead()
        run.discard()
        write_status(run_dir, False, f"{type(exc).__name__}: {exc}")
        if multirun:
            log.exception("job failed")
            return None
        raise
    write_status(run_dir, True)  # last: a job whose status says ok has done all its work
    run.console.print(f"[dim]run dir:[/] {run_dir}")
    return None if cfg.objective is None else flat[cfg.objective]


def _closest(name: str, metrics: dict) -> str:
    """The metric names nearest to ``name`` (a typo), else the first few, for an error line."""
    import difflib

    near = difflib.get_close_matches(name, list(metrics), n=3, cutoff=0.6) or sorted(metrics)[:5]
    return ", ".join(near) + (f" ({len(metrics)} metrics in metrics.json)" if len(metrics) > len(near) else "")


def _write_report(run_dir: Path) -> None:
    """report.html of a finished run; a report that cannot be drawn is a warning, never a
    failed run (its results stand; `minectl report RUN_DIR` draws it again)."""
    from minectl.report.page import write_run_report

    try:
        write_run_report(run_dir, {"status": "ok", "error": None})
    except Exception as exc:  # noqa: BLE001 - a report bug must not discard the run's results
        log.warning("report.html not written: %s: %s", type(exc).__name__, exc)
