"""Designs of experiments over a box: full factorial, Latin hypercube, Sobol.

``bounds`` is an (n_vars, 2) array of [low, high] per variable; every design is an (n, n_vars) array.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.stats import qmc


def check_bounds(bounds) -> np.ndarray:
    bounds = np.asarray(bounds, dtype=float)
    if bounds.ndim != 2 or bounds.shape[1] != 2:
        raise ValueError(f"bounds must be (n_vars, 2) [low, high], got shape {bounds.shape}")
    if np.any(bounds[:, 0] >= bounds[:, 1]):
        raise ValueError("every lower bound must be below its upper bound")
    return bounds


def full_factorial(bounds, levels) -> np.ndarray:
    """Every combination of ``levels[i]`` equally spaced values of variable i (first varies slowest)."""
    bounds = check_bounds(bounds)
    if len(levels) != len(bounds) or any(int(n) < 2 for n in levels):
        raise ValueError("full factorial needs >= 2 levels for every variable")
    axes = [np.linspace(low, high, int(n)) for (low, high), n in zip(bounds, levels, strict=True)]
    return np.array(list(itertools.product(*axes)), dtype=float)


def latin_hypercube(bounds, n: int, seed: int) -> np.ndarray:
    bounds = check_bounds(bounds)
    unit = qmc.LatinHypercube(d=len(bounds), rng=np.random.default_rng(seed)).random(n)
    return qmc.scale(unit, bounds[:, 0], bounds[:, 1])


def sobol(bounds, n: int, seed: int) -> np.ndarray:
    """Scrambled Sobol points; n need not be a power of two (the first n of the sequence)."""
    bounds = check_bounds(bounds)
    sampler = qmc.Sobol(d=len(bounds), scramble=True, rng=np.random.default_rng(seed))
    unit = sampler.random_base2(int(np.ceil(np.log2(max(n, 2)))))[:n]
    return qmc.scale(unit, bounds[:, 0], bounds[:, 1])


KINDS = ("full_factorial", "lhs", "sobol")


def design(kind: str, bounds, seed: int, levels=None, n: int = 0) -> np.ndarray:
    """The design of ``kind``: full_factorial over ``levels`` per variable, else ``n`` seeded
    lhs or sobol points."""
    if kind == "full_factorial":
        return full_factorial(bounds, levels)
    if kind == "lhs":
        return latin_hypercube(bounds, n, seed)
    if kind == "sobol":
        return sobol(bounds, n, seed)
    raise ValueError(f"unknown design kind {kind!r}; expected one of: {', '.join(KINDS)}")
