"""Chronological train / validation / test split of time-ordered samples (never shuffled)."""

from __future__ import annotations

import numpy as np

from minectl.errors import ConfigError


def chronological_split(
    n: int, val_fraction: float, test_fraction: float, gap: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index arrays (train, val, test) in time order. ``gap`` samples are dropped before the
    validation and test parts so that no training target (at t + lead) falls inside them."""
    if not (0 < val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise ConfigError(
            f"val ({val_fraction}) and test ({test_fraction}) fractions must be in (0, 1) and sum to less than 1",
            param=("val_fraction", "test_fraction"),
        )
    n_test = int(round(n * test_fraction))
    n_val = int(round(n * val_fraction))
    test_start = n - n_test
    val_start = test_start - gap - n_val
    train_end = val_start - gap
    if min(n_test, n_val) < 1 or train_end < 2:
        raise ConfigError(
            f"{n} samples are too few for val {val_fraction}, test {test_fraction}, gap {gap} (the lead time); expected "
            "training samples left before the validation and test parts, each after a gap (a shorter lead time or window, "
            "smaller fractions, or more data)",
            param=("val_fraction", "test_fraction"),
        )
    return np.arange(0, train_end), np.arange(val_start, val_start + n_val), np.arange(test_start, n)


def split_by_time(
    dates: np.ndarray, val_fraction: float, test_fraction: float, gap: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index ranges (train, val, test) of samples sorted by ``dates``: chronological_split of their
    distinct times, so that the samples of one time (one a series) fall in one part and the gap
    before validation and test is ``gap`` periods for every series. One series: the same parts
    as chronological_split of its samples. Split by samples, five mines' gap of ``lead`` samples
    was lead/5 days, and the last training targets fell inside the validation days."""
    times, first = np.unique(dates, return_index=True)
    if len(times) == len(dates):
        return chronological_split(len(dates), val_fraction, test_fraction, gap)
    bounds = np.append(first, len(dates))
    parts = chronological_split(len(times), val_fraction, test_fraction, gap)
    return tuple(np.arange(bounds[part[0]], bounds[part[-1] + 1]) for part in parts)
