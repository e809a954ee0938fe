"""Worker processes started ahead (minectl.workers): taken by the work, shut down after it, and
stopped at once when the run is refused or fails."""

import gc
import os
import time

import pytest

from minectl import workers
from minectl.workers import spawned_workers, start_ahead, stop_ahead, worker_count


def exit_code(process, timeout: float = 10.0):
    """The process's exit code once it has one. The executor's own thread also reaps its workers:
    until that thread has stored the status, the process object reports none."""
    deadline = time.monotonic() + timeout
    while process.exitcode is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return process.exitcode


MODULES = ("json",)  # a cheap import: these tests are about the processes, not what they import
# "minectl.forecast.network" (torch) takes the workers a second to import: stopped before that, they are terminated


def test_worker_count_leaves_this_process_one_job_and_uses_no_more_than_the_cores():
    assert worker_count(1) == 0
    assert worker_count(2) == min(2, os.cpu_count() or 1) - 1
    assert worker_count(10_000) == (os.cpu_count() or 1) - 1


def test_workers_started_ahead_are_the_ones_taken_and_end_with_the_block():
    ahead = start_ahead(1, MODULES)
    assert start_ahead(1, MODULES) is ahead  # started once
    with spawned_workers(1, MODULES) as taken:
        assert taken is ahead and taken.count == 1
        assert taken.executor.submit(abs, -3).result(timeout=60) == 3
        # what the worker imported is frozen: the collector skips it during the work and at the exit
        assert taken.executor.submit(gc.get_freeze_count).result(timeout=60) > 0
    assert exit_code(taken.processes[0]) == 0  # shut down, not killed
    with spawned_workers(1, MODULES) as fresh:  # taken once: the next block spawns its own
        assert fresh is not ahead


def test_a_guess_started_before_the_config_is_stopped_when_the_config_asks_otherwise():
    guess = start_ahead(1, ("minectl.forecast.network",))  # the CLI's guess: the default run's workers
    assert start_ahead(0, ("minectl.forecast.network",)) is None  # the composed config asks for none
    assert exit_code(guess.processes[0]) not in (None, 0) and not workers._ahead
    guess = start_ahead(1, ("minectl.forecast.network",))
    other = start_ahead(1, MODULES)  # or for other modules
    assert exit_code(guess.processes[0]) not in (None, 0)
    assert list(workers._ahead.values()) == [other]
    stop_ahead()


def test_ctrl_c_interrupts_this_process_not_its_workers():
    """The terminal sends Ctrl-C to every process of the command: the workers ignore it (no
    traceback of theirs in the middle of an import); this process stops them."""
    import signal

    before = signal.getsignal(signal.SIGINT)  # Python's own, or ignored where the tests run in a background job
    with spawned_workers(1, MODULES) as taken:
        os.kill(taken.processes[0].pid, signal.SIGINT)
        assert taken.executor.submit(abs, -3).result(timeout=60) == 3
    assert signal.getsignal(signal.SIGINT) is before  # this process's own, as before


def test_no_workers_for_a_count_of_zero():
    assert start_ahead(0, MODULES) is None
    with spawned_workers(0, MODULES) as none:
        assert none is None


def test_refused_run_stops_workers_started_ahead_at_once():
    ahead = start_ahead(1, ("minectl.forecast.network",))  # torch: a second of imports it does not finish
    stop_ahead()
    for process in ahead.processes:
        assert exit_code(process) not in (None, 0)  # terminated
    assert not workers._ahead


def test_failed_block_stops_its_workers():
    with pytest.raises(RuntimeError), spawned_workers(1, ("minectl.forecast.network",)) as taken:
        raise RuntimeError("the run failed")
    assert exit_code(taken.processes[0]) not in (None, 0)
