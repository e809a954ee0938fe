"""Figures of an optimisation run: the Pareto front with the recommended point, convergence, and
the terminal summary."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure  # a bare Figure: no pyplot state, no GUI backend


def pareto_plot(front, direct, Y_doe, responses, objectives, constraints, chosen, Y_front_sim=None):
    """First two objectives: DoE runs, surrogate front (predicted and, if known, simulated),
    the simulator's own front, constraint limits and the recommended design."""
    a, b = (responses.index(o.response) for o in objectives[:2])
    fig = Figure(figsize=(7, 5))
    ax = fig.subplots()
    ax.scatter(Y_doe[:, a], Y_doe[:, b], s=12, c="0.7", label="DoE runs (simulator)")
    if direct is not None:
        ax.plot(direct.Y[:, a], direct.Y[:, b], "-", c="tab:green", lw=2, alpha=0.6, label="NSGA-II on simulator")
    ax.scatter(front.Y[:, a], front.Y[:, b], s=14, c="tab:blue", label="surrogate front (predicted)")
    if Y_front_sim is not None:
        ax.scatter(Y_front_sim[:, a], Y_front_sim[:, b], s=10, marker="x", c="tab:orange",
                   label="surrogate front (simulated)")
    for c in constraints:
        if c.response == responses[a]:
            ax.axvline(c.limit, ls="--", c="tab:red", label=f"{c.response} {c.op} {c.limit:g}")
        elif c.response == responses[b]:
            ax.axhline(c.limit, ls="--", c="tab:red", label=f"{c.response} {c.op} {c.limit:g}")
    ax.scatter(front.Y[chosen, a], front.Y[chosen, b], s=220, marker="*", c="gold", edgecolors="k",
               zorder=5, label="recommended")
    ax.set_xlabel(f"{responses[a]} ({objectives[0].sense})")
    ax.set_ylabel(f"{responses[b]} ({objectives[1].sense})")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def convergence_plot(front, direct, objectives, baseline_best):
    """Best value of each objective per generation (NSGA-II), and the BO baseline's running best."""
    fig = Figure(figsize=(4.2 * (len(objectives) + 1), 3.6))
    axes = fig.subplots(1, len(objectives) + 1)
    generations = np.arange(1, len(front.best_per_generation) + 1)
    for k, (ax, objective) in enumerate(zip(axes[:-1], objectives, strict=True)):  # the last axis: baseline
        sign = 1.0 if objective.sense == "min" else -1.0
        ax.plot(generations, sign * front.best_per_generation[:, k], label="surrogate")
        if direct is not None:
            ax.plot(generations, sign * direct.best_per_generation[:, k], "--", label="simulator")
        ax.set_title(f"best {objective.response} ({objective.sense})")
        ax.set_xlabel("generation")
        ax.legend(fontsize=8)
    axes[-1].plot(np.arange(1, len(baseline_best) + 1), baseline_best, c="tab:purple")
    axes[-1].set_title("BO baseline: best weighted score")
    axes[-1].set_xlabel("trial")
    fig.tight_layout()
    return fig


def summary_table(metrics: dict, variables, responses, fronts):
    """The run's headline figures as a rich table; ``fronts``: minectl.optimize.front.Fronts."""
    from rich.table import Table

    table = Table(title="minectl optimize", show_header=True)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name in responses:  # the naive baseline beside it: on a nearly linear simulator a high R2 says little alone
        surrogate = metrics["surrogate"]
        table.add_row(f"surrogate CV R2 {name} (linear baseline)",
                      f"{surrogate['cv_r2'][name]:.4f} ({surrogate['linear_cv_r2'][name]:.4f})")
    table.add_row("Pareto points", str(metrics["pareto"]["size"]))
    if "hv_ratio" in metrics["pareto"]:
        table.add_row("hypervolume ratio (surrogate front on simulator / simulator front)", f"{metrics['pareto']['hv_ratio']:.4f}")
        calls = metrics["calls"]
        table.add_row("simulator calls: surrogate path / direct", f"{calls['simulator_surrogate_path']} / {calls['simulator_direct']}")
        table.add_row("NSGA-II seconds: surrogate / direct", f"{fronts.front.seconds:.2f} / {fronts.direct.seconds:.2f}")
    decision = metrics["decision"]
    table.add_row("price", f"{decision['price']:.2f}")
    table.add_row("recommended design", ", ".join(f"{v}={decision[v]:.3f}" for v in variables))
    table.add_row("predicted responses", ", ".join(f"{r}={decision[r]:.4g}" for r in responses))
    return table
