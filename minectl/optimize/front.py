"""The surrogate's Pareto front, checked against the simulator, and the design the price picks
from it (seed 002, 4.5-4.7)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Callable, Mapping, Optional

import numpy as np
import polars as pl

from minectl.optimize import moo
from minectl.optimize.baseline import weighted_score
from minectl.optimize.decision import normalised, price_weights, scalarise, select_point


class NoFeasibleDesign(ValueError):
    """No design in the variable bounds meets the constraints on the surrogate."""


@dataclass
class Fronts:
    front: moo.Front               # NSGA-II on the surrogate (responses predicted)
    direct: Optional[moo.Front]    # NSGA-II on the simulator; None without one or when not compared
    Y_sim: Optional[np.ndarray]    # the simulator's responses at the surrogate front; None without one
    metrics: dict                  # {"pareto": ..., "calls": ...}


@dataclass
class Recommendation:
    index: int            # the chosen point of the surrogate front
    weights: np.ndarray   # objective weights at the price
    lower: np.ndarray     # the front's range (minimisation form), which normalises every score
    upper: np.ndarray
    metrics: dict         # price, weights, design, responses and scores of the chosen point


def _quiet(_total: int, _description: str):
    return contextlib.nullcontext(lambda n=1: None)


def pareto_fronts(predict, simulate, bounds, responses, objectives, constraints, settings: dict,
                  compare_direct: bool, n_runs: int, progress: Callable = _quiet) -> Fronts:
    """NSGA-II (``moo.run_nsga2`` with ``settings``) on the surrogate's ``predict``, one batch
    call per generation. With a ``simulate`` batch function (None: the runs came from a table)
    the front is simulated and, with ``compare_direct``, NSGA-II on the simulator gives the
    reference front of the hypervolume ratio. ``n_runs``: simulator runs behind the surrogate;
    ``progress(total, description)``: a context manager yielding ``advance(n)``, as Run.progress.
    Raises NoFeasibleDesign when the surrogate front is empty."""

    def optimise(evaluate, label):
        with progress(settings["n_gen"], f"NSGA-II on the {label}") as advance:
            problem = moo.DesignProblem(evaluate, bounds, responses, objectives, constraints)
            return moo.run_nsga2(problem, on_generation=lambda _gen: advance(1), **settings)

    front = optimise(predict, "surrogate")
    if len(front.X) == 0:
        raise NoFeasibleDesign("no design in the variable bounds satisfies the constraints on the surrogate")
    metrics = {"pareto": {"size": len(front.X)},
               "calls": {"simulator_surrogate_path": n_runs, "surrogate_batches": front.calls}}
    if simulate is None:
        return Fronts(front, None, None, metrics)
    Y_sim = simulate(front.X)
    metrics["calls"]["simulator_surrogate_path"] = n_runs + len(front.X)
    direct = None
    if compare_direct:
        direct = optimise(simulate, "simulator")
        feasible = (moo.constraint_values(Y_sim, responses, constraints) <= 0).all(axis=1)
        F_sim = moo.to_minimisation(Y_sim[feasible], responses, objectives)
        metrics["pareto"]["hv_ratio"] = moo.hypervolume_ratio(F_sim, direct.F)
        metrics["pareto"]["feasible_share_sim"] = float(feasible.mean())
        metrics["calls"]["simulator_direct"] = direct.designs_evaluated
    return Fronts(front, direct, Y_sim, metrics)


def recommend(fronts: Fronts, price: float, low_price: float, high_price: float, weights_at_low: Mapping[str, float],
              weights_at_high: Mapping[str, float], method: str, variables, responses, objectives,
              constraints) -> Recommendation:
    """The price sets the objective weights (``price_weights`` between the two anchors), the
    weights pick the front point (``select_point`` by ``method``)."""
    names = [o.response for o in objectives]
    weights = price_weights(price, low_price, high_price, [weights_at_low[n] for n in names],
                            [weights_at_high[n] for n in names])
    front = fronts.front
    chosen = select_point(front.F, weights, method)
    lower, upper = front.F.min(axis=0), front.F.max(axis=0)
    metrics = {"price": price, "weight": dict(zip(names, weights, strict=True))}
    metrics.update({name: front.X[chosen, i] for i, name in enumerate(variables)})
    metrics.update({name: front.Y[chosen, j] for j, name in enumerate(responses)})
    metrics["score"] = float(scalarise(normalised(front.F[chosen:chosen + 1], lower, upper), weights, method)[0])
    if fronts.Y_sim is not None:
        metrics["simulated"] = dict(zip(responses, fronts.Y_sim[chosen], strict=True))
        metrics["score_sim"] = float(weighted_score(fronts.Y_sim[chosen:chosen + 1], responses, objectives, constraints,
                                                    weights, lower, upper, method)[0])
    return Recommendation(chosen, weights, lower, upper, metrics)


def pareto_table(fronts: Fronts, chosen: int, variables, responses) -> pl.DataFrame:
    """One row per front point: the design, predicted (``_pred``) and simulated (``_sim``)
    responses, and ``recommended``."""
    front = fronts.front
    columns = {name: front.X[:, i] for i, name in enumerate(variables)}
    columns.update({f"{name}_pred": front.Y[:, j] for j, name in enumerate(responses)})
    if fronts.Y_sim is not None:
        columns.update({f"{name}_sim": fronts.Y_sim[:, j] for j, name in enumerate(responses)})
    columns["recommended"] = np.arange(len(front.X)) == chosen
    return pl.DataFrame(columns)


def convergence_table(fronts: Fronts, objectives) -> pl.DataFrame:
    """Best value of each objective (minimisation form) per generation, on the surrogate and the simulator."""
    columns = {"generation": np.arange(1, len(fronts.front.best_per_generation) + 1)}
    for label, run in (("surrogate", fronts.front), ("simulator", fronts.direct)):
        if run is not None:
            columns.update({f"{label}_{o.response}": run.best_per_generation[:, k] for k, o in enumerate(objectives)})
    return pl.DataFrame(columns)
