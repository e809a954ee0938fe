"""Single-objective baseline (the seed's XGBoost-BO): the decision engine's scalarised score of
normalised objectives, minimised by Bayesian optimisation (Optuna's TPE sampler) over the surrogate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minectl.optimize.decision import normalised, scalarise
from minectl.optimize.moo import constraint_values, to_minimisation

# A violated constraint costs this much per unit of violation relative to the limit, so any
# feasible design beats any infeasible one on a score that lies in [0, 1] on the front.
PENALTY = 1e3


@dataclass
class BaselineResult:
    x: np.ndarray               # best design
    score: float                # its scalarised, normalised score (lower is better)
    best_per_trial: np.ndarray  # running best score, the convergence curve
    trials: int


def weighted_score(Y, responses, objectives, constraints, weights, lower, upper, method: str) -> np.ndarray:
    """Scalarised objectives normalised by [lower, upper] (minimisation form) plus penalties."""
    score = scalarise(normalised(to_minimisation(Y, responses, objectives), lower, upper), weights, method)
    if constraints:
        limits = np.array([max(abs(c.limit), 1e-12) for c in constraints])
        violation = np.clip(constraint_values(Y, responses, constraints), 0, None) / limits
        score = score + PENALTY * violation.sum(axis=1)
    return score


def bayesian_scalarised(evaluate, bounds, responses, objectives, constraints, weights, lower, upper,
                        method: str, trials: int, seed: int, names=None) -> BaselineResult:
    """TPE search of the scalarised score; ``evaluate`` is called one design per trial, as BO does."""
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)  # optuna's import chatters at INFO
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    bounds = np.asarray(bounds, float)
    names = names or [f"x{i}" for i in range(len(bounds))]

    def objective(trial):
        x = np.array([[trial.suggest_float(name, low, high) for name, (low, high) in zip(names, bounds, strict=True)]])
        Y = np.asarray(evaluate(x), float).reshape(1, -1)
        return float(weighted_score(Y, responses, objectives, constraints, weights, lower, upper, method)[0])

    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=trials)
    values = np.array([t.value for t in study.trials])
    return BaselineResult(x=np.array([study.best_params[n] for n in names]), score=float(study.best_value),
                          best_per_trial=np.minimum.accumulate(values), trials=len(values))


def baseline_report(predict, simulate, bounds, variables, responses, objectives, constraints, weights, lower,
                    upper, method: str, trials: int, seed: int) -> tuple[BaselineResult, dict]:
    """``bayesian_scalarised`` on the surrogate's ``predict``; metrics: its score, design and
    predicted responses, and with a ``simulate`` batch function (None: none) the simulated
    responses and score of that design."""
    base = bayesian_scalarised(predict, bounds, responses, objectives, constraints, weights, lower, upper, method,
                               trials, seed, names=variables)
    metrics = {"score": base.score, "trials": base.trials}
    metrics.update(dict(zip(variables, base.x, strict=True)))
    metrics.update(dict(zip(responses, predict(base.x[None, :])[0], strict=True)))
    if simulate is not None:
        Y_sim = simulate(base.x[None, :])
        metrics["simulated"] = dict(zip(responses, Y_sim[0], strict=True))
        metrics["score_sim"] = float(weighted_score(Y_sim, responses, objectives, constraints, weights, lower, upper,
                                                    method)[0])
    return base, metrics
