"""glibc's malloc kept from handing freed memory back to the system after every free.

glibc gives the free top of its heap back to the system once it exceeds the trim threshold
(by default twice the largest mmapped block freed so far: a few hundred KB here). A training
step of the price LSTM allocates and frees blocks of that size about a hundred times: the heap
shrinks, and the next allocation takes the pages back, zeroed, a page fault each. `minectl
forecast` spent 3.2 s of system time so (1.1 M page faults); with a 32 MB trim threshold, 1.0 s
(0.18 M). Only where memory comes from changes, never a value (benchmarks/command_times.py
compares the tables bit for bit). The price LSTM's training sets it (`forecast.network.train`),
in whichever process fits: `risk`, `factors` and `extract` showed no fewer page faults with it,
and `cost` at 164 mines 0.4 s less system time but its peak RSS no lower, so they keep glibc's
sliding thresholds. Other C libraries (macOS, musl) keep their own defaults.
"""

from __future__ import annotations

import ctypes

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
TRIM_THRESHOLD = 32 << 20  # free heap top kept for the next allocations
# set too: setting either threshold stops glibc from sliding both, and its fixed mmap threshold of
# 128 KB would map and unmap every larger block; larger ones than this are still given back at once
MMAP_THRESHOLD = 4 << 20


def keep_freed_memory() -> bool:
    """Set glibc's trim and mmap thresholds for this process; False where malloc is not glibc's."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError, TypeError):  # no mallopt in the C library (or no C library to load)
        return False
    return bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)) and bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
