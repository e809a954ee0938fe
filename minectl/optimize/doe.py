"""Designs of experiments over a box: full factorial, Latin hypercube, Sobol.

``bounds`` is an (n_vars, 2) array of [low, high] per variable; every design is an (n, n_vars) array.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.stats import qmc

from minectl.optimize.pim import RESPONSES


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
# the most of a variable's bounds a table of runs may leave without a run at either end: a Latin hypercube of the
# fewest runs CV takes (10) leaves at most 10 %, random designs of 12 runs more than 25 % in 3 % of cases
UNCOVERED_SHARE = 0.25


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


def min_runs(n_vars: int, folds: int) -> int:
    """The fewest runs a surrogate's k-fold CV can score: every test fold >= 2 runs (R^2 needs
    two) and every training fold >= n_vars + 1 (the linear baseline's coefficients)."""
    n = 2 * folds
    while n - -(-n // folds) < n_vars + 1:
        n += 1
    return n


def _missing_code(values: np.ndarray) -> tuple[int, float, float] | None:
    """(index, low, high of the other values) of the first value written as a missing-value code
    (-999, 9999, -99999: all nines) that lies farther outside the range of the other values than
    that range is wide, else None. A failed
    run coded so was fitted as a result: one -999 cm among 8-13 cm settlements made NSGA-II
    recommend a predicted settlement of -206 cm."""
    nines = np.isin(np.abs(values), 10.0 ** np.arange(2, 16) - 1)
    others = values[~nines]
    if not nines.any() or len(others) < 2:
        return None
    low, high = others.min(), others.max()
    far = nines & ((values < low - (high - low)) | (values > high + (high - low)))
    return (int(np.flatnonzero(far)[0]), low, high) if far.any() else None


def check_runs(X: np.ndarray, Y: np.ndarray, rows: np.ndarray, bounds: np.ndarray, variables: list[str],
               responses: list[str]) -> None:
    """A table of runs fit for a surrogate of the box ``bounds``: each design inside its bounds
    (a run outside is another problem, or another unit), each design once (a repeated design can
    sit in a CV training and test fold at once and inflate the scores), every variable and
    response varying, no response coded missing (-999, 9999). ValueError naming the run (``rows``: each run's 1-based row) otherwise."""
    low, high = bounds[:, 0], bounds[:, 1]
    slack = 1e-9 * (high - low)  # a bound written to a CSV and read back
    outside = (X < low - slack) | (X > high + slack)
    if outside.any():
        run, j = (int(k[0]) for k in np.nonzero(outside))
        raise ValueError(f"run {rows[run]} has {variables[j]} = {X[run, j]:g}, outside optimize.variables.{variables[j]} "
                         f"[{low[j]:g}, {high[j]:g}] ({int(outside.any(axis=1).sum())} runs outside); expected runs inside the "
                         "declared bounds (widen the bounds or drop those runs; check the units)")
    _, first, inverse = np.unique(X, axis=0, return_index=True, return_inverse=True)
    original = first[inverse.ravel()]  # each run's first run of the same design
    repeats = np.flatnonzero(original != np.arange(len(X)))
    if len(repeats):
        again = int(repeats[0])
        raise ValueError(f"run {rows[again]} repeats the design of run {rows[original[again]]}; expected each design "
                         "once (average replicated runs into one: a design in two runs can be in a CV training and test fold at "
                         "once and inflate surrogate.cv_*)")
    for values, names, what in ((X, variables, "variable"), (Y, responses, "response")):
        constant = np.flatnonzero(np.all(values == values[:1], axis=0))
        if len(constant):
            name = names[constant[0]]
            raise ValueError(f"{what} '{name}' is {values[0, constant[0]]:g} in every run; expected runs in which it varies "
                             "(a surrogate cannot learn a constant's effect, nor weigh a constant objective)")
    # a bound no run comes near: NSGA-II, the decision and the Sobol indices search that end of the box, where a tree
    # surrogate repeats its last run (runs over 18-20 m of [18, 25]: half the Pareto points at 20-24 m, none tested)
    gap = np.maximum(X.min(axis=0) - low, high - X.max(axis=0)) / (high - low)  # the larger end without a run
    for j in np.flatnonzero(gap > UNCOVERED_SHARE):
        raise ValueError(f"the runs span {variables[j]} {X[:, j].min():g} to {X[:, j].max():g}: {gap[j]:.0%} of "
                         f"optimize.variables.{variables[j]} [{low[j]:g}, {high[j]:g}] at one end has no run; expected bounds the "
                         f"runs cover (at most {UNCOVERED_SHARE:.0%} without a run at either end: set the bounds to the range run)")
    for j, name in enumerate(responses):
        code = _missing_code(Y[:, j])
        if code is not None:
            run, low, high = code
            raise ValueError(f"run {rows[run]} has {name} = {Y[run, j]:g}, a missing-value code far outside the other runs "
                             f"({low:g} to {high:g}); expected the run's result (a failed run: leave the "
                             "cell empty and set simulator.drop_incomplete=true, or drop the run)")
    for j, name in enumerate(responses):  # the seed's names are magnitudes: its objectives, constraint and weights read them so
        if name in RESPONSES and np.all(Y[:, j] <= 0):
            raise ValueError(f"response '{name}' is negative or 0 in every run ({Y[:, j].min():g} to {Y[:, j].max():g}); expected "
                             f"'{name}' as a magnitude > 0, as the embedded simulator gives it (FLAC3D writes a vertical "
                             "displacement negative downward: negate the column)")
