"""CPIT and PCPSP schedules: a time-indexed MIP on HiGHS with its LP bound (or, for large CPITs, a
Lagrangian bound by max-flow closures), an LP-guided TopoSort heuristic with local improvement,
then fix-and-optimise MIP windows and optionally the whole MIP, all warm-started; work limits end
each step (reproducible), one time limit is the safety net. That limit is kept as a promise: a step
that cannot be interrupted (a max-flow, building a MIP) is not begun when its estimated duration
overruns the time left, and a model whose estimated size exceeds a memory bound is not built (the
part is skipped and said so, `ScheduleResult.skipped`).

The model ("by" variables, Espinoza et al. 2013): x[b, t] = 1 when block b is mined in period t
or before; x[b, t-1] <= x[b, t]; x[b, t] <= x[p, t] for each predecessor p. With one destination
the amount mined in t is x[b, t] - x[b, t-1]; with several, continuous y[b, d, t] >= 0 split it
(sum_d y[b, d, t] = x[b, t] - x[b, t-1]). Two reductions, both exact when every side constraint
is an upper limit on a non-negative use (`Instance.packing_only`): blocks outside the ultimate pit
of the best destination values are never mined (cut the pit of any schedule at the ultimate pit:
still closed and within capacity, and by summation by parts never worth less), and block b cannot
be mined before the first period whose cumulative capacity holds all of b's ancestors (its cone),
so x[b, t] = 0 is fixed below that period and a block whose cone exceeds the whole horizon goes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from minectl.schedule.minelib import Instance, Precedence, Solution
from minectl.schedule.upit import max_closure
from minectl.schedule.verify import verify

# relaxation="auto": the LP up to this many x columns, the Lagrangian bound above (3,200 blocks x 12
# periods: the LP took about 70 s of CPU, the whole solve with the Lagrangian bound 24 s, 0.2 % above the LP)
LP_COLUMNS = 20000
EXACT_CONE_BLOCKS = 20000  # above this, cone weights are bounded by the heaviest chain (memory n^2/8 bytes)
# Peak bytes of a model that is built whole: per arc of the time-indexed graph's max-flow (numpy
# arrays and OR-Tools' residual graph: 98 B measured at 24 million arcs, 111 at 67 million before
# `_closure_graph`), per nonzero of the time-indexed LP or MIP (numpy's matrix, HiGHS's copy and a
# window's presolve: 220-286 B measured at 7 and 2 million nonzeros)
FLOW_ARC_BYTES = 100
MIP_NONZERO_BYTES = 250
# Seconds of parts that cannot be interrupted, per ordering (arc of the time-indexed graph), as
# multiples of the ultimate pit's max-flow seconds per arc (solved first, on the same machine and
# load): the Lagrangian bound's graph and first step (2.4x measured at 24 million arcs, 1.6-2.4x a
# later step) and building the LP or MIP for HiGHS (8.2-9.3x at 1 and 3.5 million); such a part is
# not begun when its estimate overruns the time left
FLOW_SECONDS_PER_PIT = 3.0
MIP_SECONDS_PER_PIT = 10.0
# What follows the last part that reads the clock (a TopoSort, the verifier on its plan and on the
# result) is kept inside the time limit: the parts end this many topological orders' seconds early
# (each is one Python pass over every arc, as the order is: 1.2x and 1.3-1.8x measured; 5 s at 112,500 blocks)
FINISH_PER_ORDER = 5.0


@dataclass
class ScheduleResult:
    solution: Solution
    value: float  # NPV recomputed by the verifier
    feasible: bool
    problems: list[str]
    lp_bound: float  # upper bounds: the reduced model's LP or Lagrangian bound (the pit's value if the LP ran out of time)
    bound: float  # the best proven upper bound: min(LP bound, MIP dual bound)
    heuristic_value: float  # TopoSort + local improvement, before the MIP
    mip_status: str
    seconds: float
    candidates: int  # blocks left after the reductions
    variables: int
    pit_value: float  # the ultimate pit of the best destination values (the reduction's)
    time_limited: bool  # the time limit stopped a part of the solve: the result depends on the machine's speed
    relaxation: str = "lp"  # lp or lagrangian: where lp_bound and TopoSort's guide came from
    sweeps: int = 0  # window sweeps begun (the last one found nothing better, unless window_sweeps ran out)
    skipped: list[str] = dataclasses.field(default_factory=list)  # parts whose model was above the memory bound, one line each

    @property
    def gap(self) -> float:
        gap = (self.bound - self.value) / abs(self.bound) if self.bound else 0.0
        # an LP bound met by the schedule can sit a rounding below the verifier's NPV (a gap of -2.6e-16
        # was reported as -0.00 %); a larger shortfall is a real fault and stays visible
        return 0.0 if -1e-9 < gap < 0 else gap


def topological_order(prec: Precedence) -> np.ndarray:
    """Blocks with every predecessor before them (Kahn); ValueError on a cycle."""
    n = prec.n_blocks
    blocks, preds = prec.arcs()
    succ_start, succ = _successors(n, blocks, preds)
    pending = np.diff(prec.start).copy()
    order = list(np.flatnonzero(pending == 0))
    at = 0
    while at < len(order):
        b = order[at]
        at += 1
        for s in succ[succ_start[b]: succ_start[b + 1]]:
            pending[s] -= 1
            if pending[s] == 0:
                order.append(s)
    if len(order) != n:
        stuck = int(np.flatnonzero(pending > 0)[0])  # on a cycle or after one
        raise ValueError(f"the precedence has a cycle: {n - len(order)} blocks (block {stuck} the first) can never have "
                         "every predecessor mined before them; expected no block to precede itself")
    return np.asarray(order, np.int64)


def _successors(n: int, blocks: np.ndarray, preds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(preds, kind="stable")
    return np.concatenate([[0], np.cumsum(np.bincount(preds, minlength=n))]), blocks[order]


def cone_weights(prec: Precedence, weights: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Per block, the sum of `weights` (n x R, >= 0) over the block and all its ancestors: exact
    (packed bitsets) up to EXACT_CONE_BLOCKS blocks, else the heaviest chain (a lower bound)."""
    n = prec.n_blocks
    out = np.zeros_like(weights, dtype=float)
    if n > EXACT_CONE_BLOCKS:
        for b in order:
            ps = prec.preds[prec.start[b]: prec.start[b + 1]]
            out[b] = weights[b] + (out[ps].max(axis=0) if len(ps) else 0.0)
        return out
    cone = np.zeros((n, (n + 7) // 8), np.uint8)
    for b in order:
        ps = prec.preds[prec.start[b]: prec.start[b + 1]]
        if len(ps):
            cone[b] = np.bitwise_or.reduce(cone[ps], axis=0)
        cone[b, b >> 3] |= np.uint8(128 >> (b & 7))
    for lo in range(0, n, 2048):
        out[lo: lo + 2048] = np.unpackbits(cone[lo: lo + 2048], axis=1, count=n).astype(float) @ weights
    return out


def earliest_periods(instance: Instance, prec: Precedence, order: np.ndarray) -> np.ndarray:
    """The first period each block can be mined in (n_periods: never), from its cone's least use of
    each resource against the cumulative upper limits (valid for packing instances only)."""
    least_use = instance.coef.min(axis=2).T  # n x R: a block goes to some destination
    if least_use.shape[1] == 0:
        return np.zeros(instance.n_blocks, np.int64)
    cone = cone_weights(prec, least_use, order)
    cumulative = np.cumsum(instance.upper, axis=1)  # R x T
    slack = 1e-9 * np.maximum(1.0, np.abs(cumulative))
    fits = np.all(cone[:, :, None] <= (cumulative + slack)[None], axis=1)  # n x T, monotone in t
    return np.where(fits.any(axis=1), fits.argmax(axis=1), instance.n_periods).astype(np.int64)


def _subproblem(instance: Instance, prec: Precedence, keep: np.ndarray) -> tuple[Instance, Precedence]:
    """The instance on the blocks in `keep` (a closed set), renumbered 0..k-1 in their order."""
    index = np.full(instance.n_blocks, -1, np.int64)
    index[keep] = np.arange(len(keep))
    blocks, preds = prec.arcs()
    inside = (index[blocks] >= 0)
    if np.any(index[preds[inside]] < 0):
        raise ValueError("the kept blocks are not closed under precedence")
    sub = Instance(instance.name, instance.kind, instance.objective[keep], instance.n_periods, instance.discount_rate,
                   instance.coef[:, keep], instance.lower, instance.upper)
    return sub, Precedence.from_arcs(len(keep), index[blocks[inside]], index[preds[inside]])


class _Model:
    """The time-indexed model's columns: x[b, t] for t in earliest[b]..T-1, then y[b, d, t] (D > 1)."""

    def __init__(self, instance: Instance, prec: Precedence, earliest: np.ndarray) -> None:
        self.instance, self.prec, self.earliest = instance, prec, earliest
        n, periods, dests = instance.n_blocks, instance.n_periods, instance.n_destinations
        self.width = periods - earliest  # periods per block
        self.x_start = np.concatenate([[0], np.cumsum(self.width)])
        self.n_x = int(self.x_start[-1])
        self.n_y = self.n_x * dests if dests > 1 else 0
        self.block = np.repeat(np.arange(n), self.width)  # per x column
        self.period = np.arange(self.n_x) - self.x_start[self.block] + earliest[self.block]

    def x(self, b: np.ndarray, t: np.ndarray) -> np.ndarray:
        return self.x_start[b] + t - self.earliest[b]

    def y(self, column: np.ndarray, d: int) -> np.ndarray:
        return self.n_x + column * self.instance.n_destinations + d

    def amounts(self) -> list[tuple[np.ndarray, np.ndarray, int, np.ndarray]]:
        """(column, coefficient, destination, x column) terms whose sum is the amount of the
        x column's block sent to the destination in the x column's period."""
        cols = np.arange(self.n_x)
        if self.instance.n_destinations > 1:
            return [(self.y(cols, d), np.ones(self.n_x), d, cols) for d in range(self.instance.n_destinations)]
        later = np.flatnonzero(self.period > self.earliest[self.block])
        return [(cols, np.ones(self.n_x), 0, cols), (later - 1, -np.ones(len(later)), 0, later)]

    def ordering_count(self) -> int:
        """The number of `orderings` pairs (the closure graph's arcs, the MIP's ordering rows), without building them."""
        return int(np.diff(self.prec.start) @ self.width) + self.n_x - self.instance.n_blocks

    def mip_nonzeros(self) -> int:
        """The time-indexed model's matrix entries (`lp`, before zero uses are dropped): two per ordering
        row, the `amounts` terms per resource, and with destinations their rows (sum_d y = x[t] - x[t-1])."""
        amounts = self.n_y if self.n_y else 2 * self.n_x - self.instance.n_blocks
        flow = self.n_y + 2 * self.n_x - self.instance.n_blocks if self.n_y else 0
        return 2 * self.ordering_count() + self.instance.n_resources * amounts + flow

    def orderings(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """x columns (a, b) with x_a <= x_b: x[b, t-1] <= x[b, t], and x[b, t] <= x[p, t] per predecessor p."""
        later = np.flatnonzero(self.period > self.earliest[self.block])
        blocks, preds = self.prec.arcs()
        reps = self.width[blocks]
        arc_b, arc_p = np.repeat(blocks, reps), np.repeat(preds, reps)
        arc_t = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps) + self.earliest[arc_b]
        return [(later - 1, later), (self.x(arc_b, arc_t), self.x(arc_p, arc_t))]

    def resource_entries(self, r: int, terms) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(period, column, use) of resource r for the `amounts` terms."""
        return [(self.period[xcol], c, self.instance.coef[r, self.block[xcol], d] * v) for c, v, d, xcol in terms]

    def cost(self, terms) -> np.ndarray:
        """Each column's discounted value, from the `amounts` terms."""
        inst, discount = self.instance, self.instance.discounts()
        cost = np.zeros(self.n_x + self.n_y)
        for c, v, d, xcol in terms:
            np.add.at(cost, c, v * inst.objective[self.block[xcol], d] * discount[self.period[xcol]])
        return cost

    def capacity_rows(self):
        """The resource rows alone, resource r in period t at row r x T + t (the LP's last rows), without
        the LP's ordering rows: arcs x periods of them, 60 million at 3 million arcs x 20 periods."""
        from scipy import sparse

        inst, terms = self.instance, self.amounts()
        entries = [(r * inst.n_periods + row, col, val)
                   for r in range(inst.n_resources) for row, col, val in self.resource_entries(r, terms)]
        rows, cols, vals = (np.concatenate(part) for part in zip(*entries, strict=True))
        matrix = sparse.csc_matrix((vals, (rows, cols)), shape=(inst.n_resources * inst.n_periods, self.n_x + self.n_y))
        matrix.eliminate_zeros()
        return matrix, self.cost(terms)

    def lp(self, integer: bool):
        import highspy
        from scipy import sparse

        inst = self.instance
        dests = inst.n_destinations
        n_cols = self.n_x + self.n_y
        rows, cols, vals, lo, hi = [], [], [], [], []

        def add(entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]], low: np.ndarray, high: np.ndarray) -> None:
            """A block of rows: entries (row within the block, column, value); the rows' bounds."""
            first = sum(len(v) for v in lo)
            for row, col, val in entries:
                rows.append(first + row)
                cols.append(col)
                vals.append(val)
            lo.append(low)
            hi.append(high)

        def ones(k: int, sign: float = 1.0) -> np.ndarray:
            return np.full(k, sign)

        for needs, needed in self.orderings():  # column `needs` <= column `needed`
            k = len(needs)
            add([(np.arange(k), needs, ones(k)), (np.arange(k), needed, ones(k, -1))], ones(k, -np.inf), np.zeros(k))
        later = np.flatnonzero(self.period > self.earliest[self.block])
        terms = self.amounts()
        if dests > 1:  # sum_d y[b, d, t] - x[b, t] + x[b, t-1] = 0
            n = self.n_x
            add([(xcol, c, v) for c, v, _, xcol in terms]
                + [(np.arange(n), np.arange(n), ones(n, -1)), (later, later - 1, ones(len(later)))],
                np.zeros(n), np.zeros(n))
        for r in range(inst.n_resources):  # resource r in period t
            add(self.resource_entries(r, terms), inst.lower[r], inst.upper[r])
        n_rows = sum(len(v) for v in lo)
        matrix = sparse.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, n_cols))
        matrix.eliminate_zeros()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n_cols, n_rows
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.col_cost_ = self.cost(terms)
        lp.col_lower_ = np.zeros(n_cols)
        lp.col_upper_ = np.ones(n_cols)
        lp.row_lower_ = np.concatenate(lo)
        lp.row_upper_ = np.concatenate(hi)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
        lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
        lp.a_matrix_.value_ = matrix.data
        if integer:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * self.n_x + [highspy.HighsVarType.kContinuous] * self.n_y
        return lp

    def columns_of(self, solution: Solution) -> np.ndarray:
        values = np.zeros(self.n_x + self.n_y)
        period = solution.period[self.block]
        values[: self.n_x] = (period >= 0) & (period <= self.period)
        if self.n_y:
            now = np.flatnonzero(period == self.period)
            for d in range(self.instance.n_destinations):
                values[self.y(now, d)] = solution.share[self.block[now], d]
        return values

    def solution_of(self, values: np.ndarray) -> Solution:
        n, dests = self.instance.n_blocks, self.instance.n_destinations
        mined = values[: self.n_x] > 0.5
        first = np.full(n, self.instance.n_periods, np.int64)
        np.minimum.at(first, self.block[mined], self.period[mined])
        period = np.where(first < self.instance.n_periods, first, -1)
        share = np.zeros((n, dests))
        now = np.flatnonzero(mined & (period[self.block] == self.period))
        if dests == 1:
            share[self.block[now], 0] = 1.0
        else:
            for d in range(dests):
                share[self.block[now], d] = values[self.y(now, d)]
            share[period >= 0] /= np.maximum(share[period >= 0].sum(axis=1, keepdims=True), 1e-12)
        return Solution(period, share)


def _highs(seed: int, deadline: float, seconds: Callable[[int], None] = lambda n: None):
    """A quiet single-threaded HiGHS stopping at `deadline` (perf_counter seconds): its own time
    limit, and interrupt callbacks, since a MIP's root node can outlast that limit by a minute.
    The same callbacks tell ``seconds(n)`` of each n whole seconds passed (a bar's `advance`:
    one LP or MIP is a single call of minutes at 10,000 blocks)."""
    import highspy

    with _stdout_closed():  # the first Highs() of a process prints a banner before any option can be set
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 1.0))
    told = [time.perf_counter()]  # up to when ``seconds`` was told

    def stop_when_late(event) -> None:
        now = time.perf_counter()
        if now - told[0] >= 1.0:
            seconds(int(now - told[0]))
            told[0] += int(now - told[0])
        if now > deadline:
            event.interrupt()

    h.cbMipInterrupt += stop_when_late
    h.cbSimplexInterrupt += stop_when_late  # also inside the MIP's LP solves and its sub-MIPs
    return h


@contextlib.contextmanager
def _stdout_closed():
    """File descriptor 1 on /dev/null: what C code prints there is dropped, Python's own output kept."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def solve_lp(model: _Model, seed: int, deadline: float, seconds: Callable[[int], None] = lambda n: None) -> tuple[float, np.ndarray]:
    """The LP relaxation's value and column values (inf and zeros when not solved in time);
    ``seconds``: see `_highs`."""
    import highspy

    h = _highs(seed, deadline, seconds)
    h.passModel(model.lp(integer=False))
    h.run()
    if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:  # then so is every schedule
        raise ValueError("no schedule meets the resource limits (their LP relaxation is infeasible); expected limits "
                         "that some schedule meets")
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return float("inf"), np.zeros(model.n_x + model.n_y)
    return h.getInfo().objective_function_value, np.asarray(h.getSolution().col_value)


def lagrangian_bound(model: _Model, lower: float, iterations: int, deadline: float,
                     advance: Callable[[int], None] = lambda n: None) -> tuple[float, np.ndarray, bool]:
    """An upper bound without the LP (whose time-indexed model has a million rows at 10,000 blocks
    x 12 periods): the capacities relaxed with multipliers lam >= 0. For every lam,
    lam . U + max { (c - A_res' lam) x : x closed under the orderings } bounds the LP and every
    schedule (weak duality), and the maximum is an exact max-flow closure of the time-indexed
    graph (`max_closure`; its values rounded to 10^-k, so n x 10^-k / 2 is added). The closure
    polytope is integral, so the best lam gives the LP's value; subgradient steps (Polyak's,
    towards `lower`, a schedule's value) approach it. One destination only (CPIT). Returns the best
    bound and the average closure of the second half (the column values TopoSort is guided by),
    and whether the clock ended the steps; ``advance(1)`` is told of each step. A max-flow cannot
    be interrupted, so a step is begun only while the time left holds the longest step so far
    (they vary by half; the caller checks the first: `solve_schedule`)."""
    matrix, cost = model.capacity_rows()
    upper = model.instance.upper.ravel()
    # a lower limit is dropped, not relaxed: without it the maximum is still a bound
    limited = np.flatnonzero(np.isfinite(upper))
    use, upper = matrix.tocsr()[limited], upper[limited]
    graph = _closure_graph(model)
    lam = np.zeros(len(limited))
    best, step, stalled = np.inf, 2.0, 0
    average, counted = np.zeros(model.n_x), 0
    longest, x = 0.0, np.ones(model.n_x)  # the longest step's seconds, the last closure
    for iteration in range(iterations):
        began = time.perf_counter()
        if began + longest >= deadline:
            return best, average / counted if counted else x, True
        x, value = _closure(cost - use.T @ lam, graph)
        advance(1)
        bound = lam @ upper + value
        if bound < best - 1e-9 * abs(bound):
            best, stalled = bound, 0
        else:
            stalled += 1
            if stalled >= 5:  # Held and Karp's rule: halve the step after 5 steps without a better bound
                step, stalled = step / 2, 0
        if iteration >= iterations // 2:
            average += x
            counted += 1
        slack = upper - use @ x
        norm = float(slack @ slack)
        if norm == 0:
            break
        lam = np.maximum(0.0, lam - step * max(bound - lower, 1e-9 * abs(bound)) / norm * slack)
        longest = max(longest, time.perf_counter() - began)
    return best, average / counted if counted else x, False


def _closure_graph(model: _Model) -> Precedence:
    """The time-indexed graph (`orderings`: column a needs column b) in compressed rows; the pair
    arrays (16 bytes an arc, a gigabyte at 67 million arcs) end here, before any max-flow."""
    needs, needed = (np.concatenate(pair) for pair in zip(*model.orderings(), strict=True))
    return Precedence.from_arcs(model.n_x, needs, needed)


def _closure(weights: np.ndarray, graph: Precedence) -> tuple[np.ndarray, float]:
    """A maximum-weight closure (0/1 per node) and an upper bound on its weight: max_closure's
    value plus its rounding (n x 10^-k / 2)."""
    closure = max_closure(weights, graph)
    return closure.in_pit.astype(float), closure.value + 0.5 * len(weights) * 10.0 ** -closure.decimals


def toposort(model: _Model, columns: np.ndarray, level: np.ndarray) -> Solution:
    """LP-guided TopoSort (Chicoisne et al. 2012): order blocks by their expected period in the LP
    (then depth, so predecessors come first), skip those the LP mines less than half, and put each
    in the first period at or after its predecessors' where its destination (the LP's choice,
    else the next best value) fits the remaining capacity."""
    inst = model.instance
    n, periods, dests = inst.n_blocks, inst.n_periods, inst.n_destinations
    cumulative = np.zeros((n, periods + 1))
    cumulative[model.block, model.period + 1] = columns[: model.n_x]
    cumulative = np.maximum.accumulate(cumulative, axis=1)
    expected = periods - cumulative[:, 1:].sum(axis=1)  # sum_t t * P(mined in t) + T * P(never)
    prefer = np.argsort(-inst.objective, axis=1, kind="stable")
    if model.n_y:
        lp_share = np.zeros((n, dests))
        for d in range(dests):
            np.add.at(lp_share[:, d], model.block, columns[model.y(np.arange(model.n_x), d)])
        prefer = np.argsort(-(lp_share * 1e6 + inst.objective / (np.abs(inst.objective).max() + 1)), axis=1, kind="stable")
    left = inst.upper.copy()
    period = np.full(n, -1, np.int64)
    share = np.zeros((n, dests))
    for b in np.lexsort((np.arange(n), level, np.round(expected, 6))):  # rounded: LP round-off must not put a block before its predecessor
        if cumulative[b, -1] < 0.5:
            continue
        ps = model.prec.preds[model.prec.start[b]: model.prec.start[b + 1]]
        if np.any(period[ps] < 0):
            continue
        t = max(int(model.earliest[b]), int(period[ps].max(initial=0)))
        placed = _place(inst, left, b, t, prefer[b])
        if placed is not None:
            period[b], d = placed
            share[b, d] = 1.0
    return Solution(period, share)


def _place(inst: Instance, left: np.ndarray, b: int, first: int, destinations) -> tuple[int, int] | None:
    """The first (period, destination) from `first` on where block b fits `left`, which is charged."""
    for t in range(first, inst.n_periods):
        for d in destinations:
            use = inst.coef[:, b, d]
            if np.all(use <= left[:, t] + 1e-9):
                left[:, t] -= use
                return t, int(d)
    return None


def improve(inst: Instance, prec: Precedence, solution: Solution, earliest: np.ndarray, deadline: float) -> Solution:
    """Local moves until none pays or time runs out: a mined block of positive (discounted) value
    moves to the earliest period its predecessors and the capacity allow; one of negative value to
    the latest its successors allow; an unmined positive block whose predecessors are all mined is
    added where it fits. Each move keeps precedence, capacity and the lower limits."""
    n, periods = inst.n_blocks, inst.n_periods
    period, share = solution.period.copy(), solution.share.copy()
    blocks, preds = prec.arcs()
    succ_start, succ = _successors(n, blocks, preds)
    used = np.zeros_like(inst.upper)
    for b in np.flatnonzero(period >= 0):
        used[:, period[b]] += inst.coef[:, b] @ share[b]
    left, above_lower = inst.upper - used, used - inst.lower  # room to add, room to take away
    value = (inst.objective * share).sum(axis=1)
    best_dest = inst.objective.argmax(axis=1)
    changed = True
    while changed and time.perf_counter() < deadline:
        changed = False
        for b in range(n):
            if time.perf_counter() >= deadline:  # a sweep of 112,500 blocks takes seconds
                break
            ps = prec.preds[prec.start[b]: prec.start[b + 1]]
            ss = succ[succ_start[b]: succ_start[b + 1]]
            if period[b] < 0:
                if inst.objective[b, best_dest[b]] > 0 and np.all(period[ps] >= 0):
                    placed = _place(inst, left, b, max(int(earliest[b]), int(period[ps].max(initial=0))), [best_dest[b]])
                    if placed is not None:
                        period[b] = placed[0]
                        share[b, best_dest[b]] = 1.0
                        above_lower[:, placed[0]] += inst.coef[:, b, best_dest[b]]
                        value[b] = inst.objective[b, best_dest[b]]
                        changed = True
                continue
            use = inst.coef[:, b] @ share[b]
            if value[b] > 0:
                lo, hi = max(int(earliest[b]), int(period[ps].max(initial=0))), period[b] - 1
            elif value[b] < 0:
                mined_succ = period[ss][period[ss] >= 0]
                lo, hi = period[b] + 1, int(mined_succ.min()) if len(mined_succ) else periods - 1
            else:
                continue
            span = range(lo, hi + 1) if value[b] > 0 else range(hi, lo - 1, -1)
            if np.any(use > above_lower[:, period[b]] + 1e-9):
                continue
            for t in span:
                if np.all(use <= left[:, t] + 1e-9):
                    left[:, period[b]] += use
                    left[:, t] -= use
                    above_lower[:, period[b]] -= use
                    above_lower[:, t] += use
                    period[b] = t
                    changed = True
                    break
    return Solution(period, share)


def _better(model: _Model, values: np.ndarray, best: Solution, best_value: float) -> tuple[Solution, float]:
    """The solution of MIP column values if the verifier passes it and it is worth more, else the best so far."""
    found = model.solution_of(values)
    check = verify(model.instance, model.prec, found)
    better = check.feasible and (best_value == -np.inf or check.npv > best_value + 1e-9 * abs(best_value))
    return (found, check.npv) if better else (best, best_value)


def window_search(model: _Model, best: Solution, best_value: float, seed: int, deadline: float, sweeps: int, width: int = 2,
                  gap: float = 1e-4, max_nodes: int | None = None,
                  advance: Callable[[int], None] = lambda n: None) -> tuple[Solution, float, int, bool]:
    """Fix and optimise: the MIP with every column outside a window of `width` periods fixed at the
    best schedule's value, window after window, for at most `sweeps` sweeps and no further once a
    sweep finds nothing better. A window [t, t + width) can reshuffle the blocks of periods
    t .. t + width (the next period's blocks may move in, the window's out to it). Each sub-MIP is
    small once presolved and solved to the relative `gap` (or `max_nodes`): work, not the clock,
    ends it, so the result is the same on any machine unless the deadline comes first (the flag
    returned last, after the best schedule, its value and the sweeps begun). ``advance(1)`` is
    told of each window solved."""
    periods = model.instance.n_periods
    h = _highs(seed, deadline)
    h.setOptionValue("mip_rel_gap", float(gap))
    if max_nodes is not None:
        h.setOptionValue("mip_max_nodes", int(max_nodes))
    lp = model.lp(integer=True)
    h.passModel(lp)
    column_period = np.concatenate([model.period, np.repeat(model.period, model.instance.n_destinations)[: model.n_y]])
    everything = np.arange(len(column_period), dtype=np.int32)
    begun = 0
    for begun in range(1, sweeps + 1):
        improved = False
        for t in range(max(periods - 1, 1)):  # one period: one window, the whole MIP (there was none: the heuristic stood)
            if time.perf_counter() >= deadline:
                return best, best_value, begun, True
            columns = model.columns_of(best)
            free = (column_period >= t) & (column_period < t + width)
            h.changeColsBounds(len(everything), everything, np.where(free, 0.0, columns), np.where(free, 1.0, columns))
            h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.1))
            h.setSolution(len(columns), everything, columns)
            values = _run_from(h, lp)
            advance(1)
            if values is not None:
                before = best_value
                best, best_value = _better(model, values, best, best_value)
                improved |= best_value > before
            if _clock_stopped(h):
                return best, best_value, begun, True
        if not improved:
            break
    return best, best_value, begun, False


def first_feasible(model: _Model, best: Solution, seed: int, deadline: float, max_nodes: int | None = None,
                   seconds: Callable[[int], None] = lambda n: None) -> tuple[Solution, float, bool]:
    """The whole MIP's first schedule the verifier passes (HiGHS stops at its first improving
    solution), or `best` at -inf if none came; and whether the clock ended it. ``seconds``: see `_highs`."""
    import highspy

    h = _highs(seed, deadline, seconds)
    h.setOptionValue("mip_max_improving_sols", 1)
    if max_nodes is not None:
        h.setOptionValue("mip_max_nodes", int(max_nodes))
    h.passModel(model.lp(integer=True))
    h.run()
    if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
        raise ValueError("no schedule meets the resource limits (the MIP is infeasible); expected limits that some schedule meets")
    value = -np.inf
    if h.getInfo().primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible:
        best, value = _better(model, np.asarray(h.getSolution().col_value), best, value)
    return best, value, _clock_stopped(h)


def _run_from(h, lp) -> np.ndarray | None:
    """Run the MIP ``lp`` given a start (setSolution); its solution's column values, None if it has none.
    HiGHS 1.16 hands back the start unchanged where presolve alone solves the MIP, with the better
    objective in its info (a 7-block CPIT: 0.43 reported, optimum 2.7, the bound 2.7): that MIP
    is solved again without presolve, which returns the optimum's columns."""
    import highspy

    h.run()
    if h.getInfo().primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        return None
    values = np.asarray(h.getSolution().col_value)
    objective = h.getInfo().objective_function_value
    if abs(float(np.dot(lp.col_cost_, values)) + lp.offset_ - objective) > 1e-6 * max(1.0, abs(objective)):
        h.setOptionValue("presolve", "off")
        h.run()
        h.setOptionValue("presolve", "choose")
        ok = h.getInfo().primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
        values = np.asarray(h.getSolution().col_value) if ok else None
    return values


def _clock_stopped(h) -> bool:
    """HiGHS's time limit or minectl's interrupt at the deadline ended the last run."""
    return h.modelStatusToString(h.getModelStatus()) in ("Time limit reached", "Interrupted by user")


def solve_schedule(instance: Instance, prec: Precedence, time_limit: float = 120.0, mip: bool = True, reduce: bool = True,
                   seed: int = 0, mip_max_nodes: int | None = None, not_before: np.ndarray | None = None, window_sweeps: int = 1,
                   window_gap: float = 1e-3, whole_mip: bool = False, relaxation: str = "auto",
                   lagrangian_iterations: int = 150, memory_limit_gb: float = 8.0,
                   progress: Callable[[str, int], Callable[[int], None]] | None = None) -> ScheduleResult:
    """The best verified schedule (reductions, relaxation, TopoSort and local moves, then with `mip`
    at most `window_sweeps` sweeps of fix-and-optimise windows, each sub-MIP to the relative
    `window_gap`, and with `whole_mip` the whole MIP warm-started), its relaxation's bound, the
    MIP's bound and the time taken. `relaxation`: lp, lagrangian (`lagrangian_iterations`
    subgradient steps; CPIT only) or auto (the LP up to LP_COLUMNS columns). Work limits end each
    step, so the same call gives the same schedule on any machine; `time_limit` (seconds, the whole
    solve) is a safety net that sets `time_limited` when it ends a step. `not_before[b]`: a period
    block b may not be mined before (deferred blocks; its successors wait too). `progress(name,
    total)` (Run.progress_per_model's) returns a bar's `advance(n)` for the iterative stages: the
    Lagrangian steps and the windows, each bar's total their most (convergence or the clock may end
    a stage short); and for each single HiGHS call (LP, first or whole MIP), the seconds it used of
    the limit. It reads nothing back, so the schedule is the same with or without it.
    A part that cannot be interrupted is not begun when it cannot end in time (`time_limited`; the
    Lagrangian bound's max-flow and the MIP's construction are estimated from the ultimate pit's
    max-flow seconds per arc, later Lagrangian steps from the previous one), nor when its model's
    estimated size exceeds `memory_limit_gb` (a line in `skipped`)."""
    def bar(name: str, total: int) -> Callable[[int], None]:
        return progress(name, total) if progress is not None else lambda n: None

    def clock(name: str) -> Callable[[int], None]:  # a single HiGHS call: the seconds of the time limit it has used
        return bar(f"{name}: seconds of the time limit", max(math.ceil(deadline - time.perf_counter()), 1))

    given, largest = instance, np.abs(instance.objective).max(initial=0.0)
    # values in millions or billions: HiGHS takes costs below its tolerance (1e-9) as 0, so they are solved scaled
    scale = 10.0 ** -np.floor(np.log10(largest)) if 0 < largest < 1 else 1.0
    instance = dataclasses.replace(instance, objective=instance.objective * scale)
    start = time.perf_counter()
    deadline = start + time_limit
    best_values = instance.objective.max(axis=1)
    pit = max_closure(best_values, prec)
    pit_seconds = pit.seconds / (len(prec.preds) + prec.n_blocks)  # per arc, on this machine now
    exact_reductions = reduce and instance.packing_only()
    keep = np.flatnonzero(pit.in_pit) if exact_reductions else np.arange(instance.n_blocks)
    sub, sub_prec = _subproblem(instance, prec, keep)
    began = time.perf_counter()
    order = topological_order(sub_prec)
    deadline -= FINISH_PER_ORDER * (time.perf_counter() - began)
    earliest = earliest_periods(sub, sub_prec, order) if exact_reductions else np.zeros(sub.n_blocks, np.int64)
    if not_before is not None:
        earliest = np.maximum(earliest, np.asarray(not_before, np.int64)[keep])
    level = np.zeros(sub.n_blocks, np.int64)
    for b in order:  # a block waits for its predecessors (the model needs earliest[p] <= earliest[b])
        ps = sub_prec.preds[sub_prec.start[b]: sub_prec.start[b + 1]]
        level[b] = level[ps].max(initial=-1) + 1
        earliest[b] = max(earliest[b], earliest[ps].max(initial=0))
    if np.any(earliest >= sub.n_periods):  # never minable: drop them (their successors go too)
        keep_sub = np.flatnonzero(earliest < sub.n_periods)
        keep, earliest, level = keep[keep_sub], earliest[keep_sub], level[keep_sub]
        sub, sub_prec = _subproblem(instance, prec, keep)
    model = _Model(sub, sub_prec, earliest)
    if relaxation not in ("auto", "lp", "lagrangian"):
        raise ValueError(f"relaxation={relaxation!r}; expected auto, lp or lagrangian")
    if relaxation == "lagrangian" and model.n_y:
        raise ValueError("relaxation=lagrangian needs one destination per block (CPIT); expected lp or auto for PCPSP")
    if relaxation == "auto":
        relaxation = "lagrangian" if model.n_x > LP_COLUMNS and not model.n_y else "lp"
    skipped: list[str] = []
    clock_stopped = False
    arcs = model.ordering_count()
    mip_bytes, mip_seconds = model.mip_nonzeros() * MIP_NONZERO_BYTES, arcs * pit_seconds * MIP_SECONDS_PER_PIT  # an LP or MIP

    def may_build(part: str, size: float, seconds: float) -> bool:
        """Whether a part that cannot be interrupted while its model is built (or its max-flow runs)
        can end in the time left and fits the memory bound; the clock stops the solve, memory only the part."""
        nonlocal clock_stopped
        clock_stopped = clock_stopped or time.perf_counter() + seconds >= deadline
        if clock_stopped or size <= memory_limit_gb * 1e9:
            return not clock_stopped
        skipped.append(f"{part} skipped: its model needs about {size / 1e9:.3g} GB, above schedule.memory_limit_gb="
                       f"{memory_limit_gb:g} (raise it to build it)")
        return False

    plain, plain_value, lp_bound = None, -np.inf, np.inf
    if relaxation == "lagrangian":  # its subgradient steps aim at the value of TopoSort in depth order
        plain = improve(sub, sub_prec, toposort(model, np.ones(model.n_x), level), earliest, deadline)
        plain_check = verify(sub, sub_prec, plain)
        plain_value = plain_check.npv if plain_check.feasible else -np.inf
        if may_build("the Lagrangian bound (max-flow)", arcs * FLOW_ARC_BYTES, arcs * pit_seconds * FLOW_SECONDS_PER_PIT):
            steps = bar("Lagrangian bound steps", lagrangian_iterations)
            lp_bound, lp_columns, clock_stopped = lagrangian_bound(model, plain_check.npv, lagrangian_iterations, deadline, steps)
    elif may_build("the LP relaxation", mip_bytes, mip_seconds):
        lp_bound, lp_columns = solve_lp(model, seed, deadline, clock("LP relaxation (HiGHS)"))
    if not np.isfinite(lp_bound):  # no LP in time: TopoSort by earliest period, bounded by the pit (NPV <= v(pit))
        lp_bound, lp_columns = pit.value, np.ones(model.n_x + model.n_y)
    if plain is not None and np.all(lp_columns == 1):  # guided by nothing, TopoSort is the plain one (13 s of moves at 112,500 blocks)
        heuristic, check = plain, plain_check
    else:
        heuristic = improve(sub, sub_prec, toposort(model, lp_columns, level), earliest, deadline)
        check = verify(sub, sub_prec, heuristic)
    best, best_value = heuristic, check.npv if check.feasible else -np.inf  # an infeasible one is nothing to improve on
    if plain_value > best_value:
        best, best_value = plain, plain_value
    heuristic_value, bound, status = best_value if np.isfinite(best_value) else np.nan, lp_bound, "not run"
    clock_stopped |= time.perf_counter() >= deadline  # the relaxation or the local moves were cut short
    sweeps = 0
    if mip and not np.isfinite(best_value) and may_build("the first MIP schedule", mip_bytes, mip_seconds):
        # TopoSort fills the early periods: lower limits of the late ones can need the MIP
        best, best_value, clock_stopped = first_feasible(model, best, seed, deadline, mip_max_nodes,
                                                         clock("first MIP schedule (HiGHS)"))
    if mip and may_build("the fix-and-optimise windows", mip_bytes, mip_seconds):
        windows = bar("fix-and-optimise windows", window_sweeps * max(sub.n_periods - 1, 1))
        best, best_value, sweeps, clock_stopped = window_search(model, best, best_value, seed, deadline, window_sweeps,
                                                                gap=window_gap, max_nodes=mip_max_nodes, advance=windows)
        status = "time limit in the windows" if clock_stopped else "windows done"
    elif mip and not clock_stopped:  # refused by the memory bound
        status = "skipped: memory bound"
    if mip and whole_mip and may_build("the whole MIP", mip_bytes, mip_seconds):  # warm-started from the windows' best: its dual bound
        h = _highs(seed, deadline, clock("whole MIP (HiGHS)"))
        if mip_max_nodes is not None:
            h.setOptionValue("mip_max_nodes", int(mip_max_nodes))
        h.setOptionValue("mip_rel_gap", 1e-5)
        lp = model.lp(integer=True)
        h.passModel(lp)
        columns = model.columns_of(best)
        h.setSolution(len(columns), np.arange(len(columns), dtype=np.int32), columns)
        values = _run_from(h, lp)
        status, clock_stopped = h.modelStatusToString(h.getModelStatus()), _clock_stopped(h)
        info = h.getInfo()
        if values is not None:
            best, best_value = _better(model, values, best, best_value)
        if np.isfinite(info.mip_dual_bound):
            bound = min(bound, info.mip_dual_bound)
    full = Solution(np.full(instance.n_blocks, -1, np.int64), np.zeros((instance.n_blocks, instance.n_destinations)))
    full.period[keep], full.share[keep] = best.period, best.share
    verdict = verify(given, prec, full)
    seconds = time.perf_counter() - start
    # where the clock, not the work, ended a step (HiGHS's own limit, or minectl's interrupt at the deadline)
    time_limited = clock_stopped or seconds >= time_limit
    return ScheduleResult(full, verdict.npv, verdict.feasible, verdict.problems, lp_bound / scale, bound / scale,
                          heuristic_value / scale, status, seconds, len(keep), model.n_x + model.n_y, pit.value / scale,
                          time_limited, relaxation, sweeps, skipped)
