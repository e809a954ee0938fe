"""Worker processes started ahead of the work they are for.

A spawned worker imports torch again (about 1.2 s). Started by the CLI before it checks the
config, the worker's imports overlap this process's own work (checks, reading the data, the fits
it keeps) instead of following them: `start_ahead` there, then `spawned_workers` where the work
is. Spawned, not forked: a fork after torch has used its thread pool can hang.
"""

from __future__ import annotations

import gc
import importlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from multiprocessing.process import BaseProcess
from typing import NamedTuple


class Workers(NamedTuple):
    executor: ProcessPoolExecutor
    processes: list[BaseProcess]  # its processes, to stop them at once when the run fails

    @property
    def count(self) -> int:
        return len(self.processes)


_ahead: dict[tuple[int, tuple[str, ...]], Workers] = {}


def worker_count(n_jobs: int) -> int:
    """Workers to spawn for ``n_jobs`` processes in all: at most one per core besides this one;
    none inside a worker process (a multirun's joblib job runs in parallel already, and a pool's
    worker may not start processes (daemonic) or spawn them (loky's start method))."""
    if multiprocessing.parent_process() is not None:
        return 0
    return max(0, min(n_jobs, os.cpu_count() or 1) - 1)


def start_ahead(count: int, modules: tuple[str, ...]) -> Workers | None:
    """Spawn ``count`` workers importing ``modules`` now, for `spawned_workers` to take later.
    Workers started ahead for another count or modules (a guess made before the config was
    known) are stopped: the run takes these."""
    key = (count, modules)
    for other in [other for other in _ahead if other != key]:
        _stop(_ahead.pop(other))
    if key not in _ahead and count > 0:
        _ahead[key] = _spawn(count, modules)
    return _ahead.get(key)


def stop_ahead() -> None:
    """Stop the workers started ahead and not taken (the config was refused): at once, not
    after their imports."""
    while _ahead:
        _stop(_ahead.popitem()[1])


@contextmanager
def spawned_workers(count: int, modules: tuple[str, ...]) -> Iterator[Workers | None]:
    """``count`` workers that have imported ``modules`` (those started ahead, else new ones;
    None for 0), shut down at the end of the block, stopped at once if it raises."""
    workers = _ahead.pop((count, modules), None) or (_spawn(count, modules) if count > 0 else None)
    if workers is None:
        yield None
        return
    try:
        yield workers
    except BaseException:
        _stop(workers)
        raise
    # not waiting: a worker's exit (0.15 s of torch's teardown) overlaps what this process does next;
    # the interpreter's exit still joins it
    workers.executor.shutdown(wait=False)


def import_ahead(*modules: str) -> None:
    """Import ``modules`` in a thread now, so that their import overlaps the work that follows
    where it lets go of the GIL (polars, numpy), instead of following it. The work's own import
    of one waits for it (the import lock) and raises its error, if any, in the work's thread."""
    def quietly() -> None:
        with suppress(Exception):
            for module in modules:
                importlib.import_module(module)

    threading.Thread(target=quietly).start()  # not a daemon: an exit waits for it, never cuts an import short


def _spawn(count: int, modules: tuple[str, ...]) -> Workers:
    before = set(multiprocessing.active_children())
    executor = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_import_all, initargs=(modules,))
    with _interrupts_ignored():
        for _ in range(count):
            executor.submit(int)  # an executor starts its processes on demand: these start them now
    return Workers(executor, [p for p in multiprocessing.active_children() if p not in before])


@contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """Ctrl-C ignored by the processes started in the block (an ignored signal is inherited): it
    interrupts this process, which stops them, instead of each printing its own traceback."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread sets handlers
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _stop(workers: Workers) -> None:
    workers.executor.shutdown(wait=False, cancel_futures=True)
    for process in workers.processes:
        process.terminate()


def _import_all(modules: tuple[str, ...]) -> None:
    # a worker whose run was killed (SIGKILL, the out-of-memory killer: no cleanup) ends with it, instead
    # of waiting for work forever; the parent's sentinel becomes ready when that process is gone
    threading.Thread(target=_exit_with, args=(multiprocessing.parent_process(),), daemon=True).start()
    for module in modules:
        importlib.import_module(module)
    # the modules live as long as the worker: frozen, the collector's full passes skip their
    # objects during the work and at the worker's exit (0.5 s with torch)
    gc.freeze()


def _exit_with(parent: BaseProcess) -> None:
    parent.join()
    os._exit(1)
