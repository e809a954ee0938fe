"""Chronological train / validation / test split of time-ordered samples (never shuffled)."""

from __future__ import annotations

import numpy as np

from minectl.errors import ConfigError


def chronological_split(
    n: int, val_fraction: float, test_fraction: float, gap: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index arrays (train, val, test) in time order. ``gap`` samples are dropped before the
    validation and test parts so that no training target (at t + lead) falls inside them."""
    return split_by_time(np.arange(n), val_fraction, test_fraction, gap)


def split_by_time(
    dates: np.ndarray, val_fraction: float, test_fraction: float, gap: int = 0, targets: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index ranges (train, val, test) of samples sorted by ``dates``: their distinct times cut as
    chronological_split cuts samples, so that the samples of one time (one a series) fall in one part.
    Before validation and test, the times whose samples' ``targets`` (each one's label time, t + lead)
    reach into the part are dropped: a gap of the lead for every series, on any time grid. ``targets``
    None: the time ``gap`` distinct times later (one series, or series on one grid). Split by samples,
    five mines' gap of ``lead`` samples was lead/5 days; counted in distinct times, two mines' rows at
    00:00 and 12:00 had a gap of half the lead: training targets inside the validation days."""
    if not (0 < val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise ConfigError(
            f"val ({val_fraction}) and test ({test_fraction}) fractions must be in (0, 1) and sum to less than 1",
            param=("val_fraction", "test_fraction"),
        )
    times, first = np.unique(dates, return_index=True)
    n = len(times)
    n_test = int(round(n * test_fraction))
    n_val = int(round(n * val_fraction))
    test_start = n - n_test
    val_start = val_end = train_end = 0  # no time for a part: refused below
    if min(n_test, n_val) >= 1:
        if targets is None:
            targets = times[np.minimum(np.searchsorted(times, dates) + gap, n - 1)]
        reach = np.maximum.accumulate(np.maximum.reduceat(np.asarray(targets), first))  # the latest target up to each time
        val_end = int(np.searchsorted(reach, times[test_start]))  # the times whose targets all precede the test part
        val_start = val_end - n_val
        train_end = int(np.searchsorted(reach, times[val_start])) if val_start >= 0 else 0  # ... precede validation
    if min(n_test, n_val) < 1 or train_end < 2:
        raise ConfigError(
            f"{n} samples are too few for val {val_fraction}, test {test_fraction}, gap {gap} (the lead time); expected "
            "training samples left before the validation and test parts, each after a gap (a shorter lead time or window, "
            "smaller fractions, or more data)",
            param=("val_fraction", "test_fraction"),
        )
    bounds = np.append(first, len(dates))
    return np.arange(bounds[train_end]), np.arange(bounds[val_start], bounds[val_end]), np.arange(bounds[test_start], len(dates))
