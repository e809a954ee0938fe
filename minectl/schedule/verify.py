"""The solution verifier every solver's answer and every test goes through.

It recomputes everything from the instance itself, on purpose in a different way than the
solvers: a plain loop over the precedence arcs, per-period sums with `math.fsum`, the NPV as a
sum over mined blocks of value x share / (1 + rate)^period.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from minectl.schedule.minelib import Instance, Precedence, Solution

TOLERANCE = 1e-6  # relative slack on resource limits and shares (solvers' float round-off)


@dataclass
class Verdict:
    feasible: bool
    npv: float
    blocks: int  # mined
    problems: list[str] = field(default_factory=list)  # the first few violations, one line each
    use: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # resource x period


def verify(instance: Instance, prec: Precedence, solution: Solution, max_problems: int = 5) -> Verdict:
    """Precedence closure (a block mined no earlier than each predecessor), one period per block,
    shares summing to 1 for mined blocks, resource limits per period, and the NPV."""
    n, periods = instance.n_blocks, instance.n_periods
    period, share = np.asarray(solution.period), np.asarray(solution.share, dtype=float)
    problems: list[str] = []
    if period.shape != (n,) or share.shape != (n, instance.n_destinations):
        return Verdict(False, float("nan"), 0, [f"solution covers {period.shape} blocks / {share.shape} shares; expected {n}"])
    for b in np.flatnonzero((period < -1) | (period >= periods)):
        problems.append(f"block {b}: period {period[b]} outside 0..{periods - 1}")
    totals = share.sum(axis=1)
    for b in range(n):
        if period[b] >= 0 and abs(totals[b] - 1.0) > TOLERANCE:
            problems.append(f"block {b}: shares sum to {totals[b]:.6g}; expected 1 (one period per block, mined whole)")
        elif period[b] < 0 and totals[b] != 0:
            problems.append(f"block {b}: not mined but has shares")
        if np.any(share[b] < -TOLERANCE):
            problems.append(f"block {b}: negative share")
    for b, p in zip(*prec.arcs(), strict=True):
        if period[b] >= 0 and not 0 <= period[p] <= period[b]:
            when = "not mined" if period[p] < 0 else f"in period {period[p]}"
            problems.append(f"block {b} (period {period[b]}) mined before its predecessor {p} ({when})")
            if len(problems) > 50:
                break
    use = np.zeros((instance.n_resources, periods))
    for r in range(instance.n_resources):
        for t in range(periods):
            rows = np.flatnonzero(period == t)
            use[r, t] = math.fsum((instance.coef[r, rows] * share[rows]).ravel().tolist())
            lo, hi = instance.lower[r, t], instance.upper[r, t]
            slack = TOLERANCE * max(1.0, abs(lo) if np.isfinite(lo) else 0.0, abs(hi) if np.isfinite(hi) else 0.0)
            if use[r, t] > hi + slack or use[r, t] < lo - slack:
                problems.append(f"resource {r} period {t}: use {use[r, t]:,.6g} outside [{lo:,.6g}, {hi:,.6g}]")
    mined = np.flatnonzero(period >= 0)
    npv = math.fsum(
        float(instance.objective[b, d]) * float(share[b, d]) / (1.0 + instance.discount_rate) ** int(period[b])
        for b in mined for d in np.flatnonzero(share[b])
    )
    return Verdict(not problems, npv, len(mined), problems[:max_problems], use)


def verify_pit(values: np.ndarray, prec: Precedence, in_pit: np.ndarray) -> Verdict:
    """A UPIT answer: the set is closed under precedence; its value."""
    values = np.asarray(values, dtype=float).reshape(len(in_pit), -1)[:, 0]
    instance = Instance("pit", "UPIT", values[:, None])
    return verify(instance, prec, Solution.from_periods(np.where(in_pit, 0, -1)))
