"""glibc's heap kept between allocations (minectl.heap): the page faults of a training step's
pattern of allocations, in a fresh process with and without `keep_freed_memory`."""

import ctypes
import platform
import subprocess
import sys

import pytest

from minectl.heap import keep_freed_memory

# eight 600 KB blocks allocated, written and freed 200 times, as an LSTM step allocates its tensors
STEPS = """
import ctypes, resource, sys
from minectl.heap import keep_freed_memory
kept = keep_freed_memory() if sys.argv[1] == "kept" else None
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(200):
    blocks = [libc.malloc(600_000) for _ in range(8)]
    for block in blocks:
        ctypes.memset(block, 1, 600_000)
    for block in blocks:
        libc.free(block)
print(kept, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the thresholds are glibc's")


def page_faults(mode: str) -> tuple[str, int]:
    done = subprocess.run([sys.executable, "-c", STEPS, mode], capture_output=True, text=True, check=True)
    kept, faults = done.stdout.split()
    return kept, int(faults)


@glibc
def test_freed_blocks_stay_in_the_heap_for_the_next_step():
    _, default = page_faults("default")
    kept, faults = page_faults("kept")
    assert kept == "True"
    # by default each step's 4.8 MB go back to the system and come back page by page (147 pages a block)
    assert default > 200 * 8 * 100
    assert faults < 8 * 200  # about one step's pages: the first step's


def test_no_glibc_keeps_its_defaults(monkeypatch):
    class NoMallopt:  # e.g. macOS's or musl's C library without mallopt
        def __init__(self, name):
            pass

    monkeypatch.setattr(ctypes, "CDLL", NoMallopt)
    assert keep_freed_memory() is False
