"""Multi-objective design problem for pymoo, NSGA-II runs and the hypervolume ratio.

Objectives and constraints are declared by response name; ``evaluate`` is any batch function
``(n, n_vars) -> (n, n_responses)`` (a fitted surrogate's ``predict`` or a simulator's
``evaluate``), called ONCE per generation on the whole population.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.core.callback import Callback
from pymoo.core.problem import Problem
from pymoo.indicators.hv import HV
from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.mutation.pm import PM
from pymoo.operators.sampling.lhs import LHS
from pymoo.operators.sampling.rnd import FloatRandomSampling
from pymoo.optimize import minimize

SENSES = ("min", "max")
OPERATORS = ("<=", ">=")
SAMPLINGS = {"lhs": LHS, "random": FloatRandomSampling}


@dataclass(frozen=True)
class Objective:
    response: str
    sense: str = "min"


@dataclass(frozen=True)
class Constraint:
    response: str
    op: str
    limit: float


def to_minimisation(Y: np.ndarray, responses, objectives) -> np.ndarray:
    """Objective matrix in minimisation form: maximised responses change sign."""
    columns = [responses.index(o.response) for o in objectives]
    signs = np.array([1.0 if o.sense == "min" else -1.0 for o in objectives])
    return Y[:, columns] * signs


def constraint_values(Y: np.ndarray, responses, constraints) -> np.ndarray:
    """pymoo's G (feasible where every column <= 0)."""
    return np.column_stack([
        (Y[:, responses.index(c.response)] - c.limit) * (1.0 if c.op == "<=" else -1.0)
        for c in constraints
    ]) if constraints else np.empty((len(Y), 0))


class DesignProblem(Problem):
    """Box-bounded design problem over a batch response function; counts calls and designs."""

    def __init__(self, evaluate: Callable[[np.ndarray], np.ndarray], bounds, responses,
                 objectives, constraints=()):
        bounds = np.asarray(bounds, dtype=float)
        super().__init__(n_var=len(bounds), n_obj=len(objectives), n_ieq_constr=len(constraints),
                         xl=bounds[:, 0], xu=bounds[:, 1])
        self.evaluate_batch = evaluate
        self.responses = list(responses)
        self.objectives = list(objectives)
        self.constraints = list(constraints)
        self.calls = 0
        self.designs_evaluated = 0

    def _evaluate(self, X, out, *args, **kwargs):
        Y = np.asarray(self.evaluate_batch(X), dtype=float).reshape(len(X), -1)
        self.calls += 1
        self.designs_evaluated += len(X)
        out["F"] = to_minimisation(Y, self.responses, self.objectives)
        if self.constraints:
            out["G"] = constraint_values(Y, self.responses, self.constraints)
        out["Y"] = Y


class _History(Callback):
    """Per generation: best feasible value of each objective (minimisation form) in the population."""

    def __init__(self, on_generation=None):
        super().__init__()
        self.best: list[np.ndarray] = []
        self.on_generation = on_generation

    def notify(self, algorithm):
        pop = algorithm.pop
        feasible = pop.get("CV").ravel() <= 0  # total constraint violation (0 when unconstrained)
        F = pop.get("F")
        self.best.append(F[feasible].min(axis=0) if feasible.any() else np.full(F.shape[1], np.nan))
        if self.on_generation is not None:
            self.on_generation(len(self.best))


@dataclass
class Front:
    X: np.ndarray                      # (n, n_vars) Pareto-optimal designs
    Y: np.ndarray                      # (n, n_responses) responses by the function optimised
    F: np.ndarray                      # (n, n_obj) minimisation form
    best_per_generation: np.ndarray    # (n_gen, n_obj) convergence history
    calls: int = 0                     # batch calls of the response function
    designs_evaluated: int = 0         # designs it evaluated
    seconds: float = field(default=0.0)


def run_nsga2(problem: DesignProblem, pop_size: int, n_gen: int, seed: int, crossover_prob: float = 0.9,
              crossover_eta: float = 15.0, mutation_eta: float = 20.0, sampling: str = "lhs",
              on_generation=None) -> Front:
    """NSGA-II with an LHS (or uniform random) initial population, SBX crossover and polynomial mutation; the feasible
    non-dominated set of the final population (empty arrays when nothing feasible was found)."""
    import time

    algorithm = NSGA2(pop_size=pop_size, sampling=SAMPLINGS[sampling](), crossover=SBX(prob=crossover_prob, eta=crossover_eta),
                      mutation=PM(eta=mutation_eta), eliminate_duplicates=True)
    history = _History(on_generation)
    start = time.perf_counter()
    result = minimize(problem, algorithm, ("n_gen", n_gen), seed=seed, callback=history, verbose=False)
    seconds = time.perf_counter() - start
    n_var, n_resp = problem.n_var, len(problem.responses)
    if result.X is None:
        X, Y, F = np.empty((0, n_var)), np.empty((0, n_resp)), np.empty((0, problem.n_obj))
    else:
        order = np.lexsort(result.F.T[::-1])
        X = np.atleast_2d(result.X)[order]
        Y = np.atleast_2d(result.opt.get("Y"))[order]
        F = np.atleast_2d(result.F)[order]
    return Front(X=X, Y=Y, F=F, best_per_generation=np.array(history.best), calls=problem.calls,
                 designs_evaluated=problem.designs_evaluated, seconds=seconds)


def hypervolume(F: np.ndarray, ideal: np.ndarray, nadir: np.ndarray, ref_margin: float = 0.1) -> float:
    """Hypervolume of F (minimisation) after scaling ideal -> 0 and nadir -> 1; reference point
    1 + ref_margin in every objective. Points beyond the reference point add nothing."""
    if len(F) == 0:
        return 0.0
    span = np.where(nadir > ideal, nadir - ideal, 1.0)
    scaled = (np.asarray(F, float) - ideal) / span
    return float(HV(ref_point=np.full(F.shape[1], 1.0 + ref_margin))(scaled))


def hypervolume_ratio(F_candidate: np.ndarray, F_reference: np.ndarray, ref_margin: float = 0.1) -> float:
    """HV(candidate) / HV(reference), both scaled by the reference front's ideal and nadir point."""
    ideal, nadir = F_reference.min(axis=0), F_reference.max(axis=0)
    reference = hypervolume(F_reference, ideal, nadir, ref_margin)
    return hypervolume(F_candidate, ideal, nadir, ref_margin) / reference if reference > 0 else float("nan")
