"""Perturbations of seed 000 section 4.1 (6): masked sensor observations, Gaussian noise, and
fewer low-risk training samples."""

from __future__ import annotations

import numpy as np


def mask_and_interpolate(values: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Hide ``fraction`` of the observations at random, then refill each column by linear
    interpolation between the nearest kept days (eq 3), as preprocessing would."""
    values = np.asarray(values, dtype=float).copy()
    hidden = rng.random(values.shape) < fraction
    days = np.arange(len(values))
    for col in range(values.shape[1]):
        keep = ~hidden[:, col]
        if keep.sum() >= 2:
            values[~keep, col] = np.interp(days[~keep], days[keep], values[keep, col])
    return values


def add_gaussian_noise(values: np.ndarray, sd: float, rng: np.random.Generator) -> np.ndarray:
    """values + N(0, sd^2) (applied in z-score units, so sd is a share of each indicator's sd)."""
    return values + rng.normal(0.0, sd, size=np.shape(values))


def drop_share_of_level(y: np.ndarray, level: int, share: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices that keep every sample except a random ``share`` of those at ``level``."""
    at_level = np.flatnonzero(y == level)
    dropped = rng.choice(at_level, size=int(round(share * len(at_level))), replace=False)
    return np.setdiff1d(np.arange(len(y)), dropped)
