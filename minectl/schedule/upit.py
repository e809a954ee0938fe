"""The ultimate pit: an exact maximum-weight closure by a minimum s-t cut (Picard 1976), solved
by OR-Tools' push-relabel `SimpleMaxFlow` on int64 capacities.

Block values become integers exactly: each value times 10^k with the smallest k (<= 9, or 9 + m
when every value is below 10^-m: values in millions) for which every scaled value is an integer
to float precision (MineLib writes at most a few decimals), so
`26086899.03` is summed as `2608689903 / 10^2`. Overflow guard: the flow never exceeds the sum P
of the positive scaled values, so k is lowered until P < 2^62 (the answer is then the optimum of
values rounded to 10^-k, and `exact` says so); a negative value below -P (a block no closure can
afford, like MineLib's -1.8e19 `never process` values) is capped at -(P + 1), which changes no
optimal closure; precedence arcs get capacity P + 1 (infinite: never cut).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minectl.schedule.minelib import Precedence

MAX_DECIMALS = 9
LIMIT = 2**62


@dataclass
class Pit:
    in_pit: np.ndarray  # bool per block
    value: float  # sum of the original values of the pit's blocks, from the scaled integers
    decimals: int  # values were scaled by 10^decimals
    exact: bool  # False when the values needed more than 9 decimals or the overflow guard rounded them
    seconds: float  # the max-flow solve alone


def scale_values(values: np.ndarray) -> tuple[np.ndarray, int, bool]:
    """(int64 scaled values, decimals k, exact): see the module docstring."""
    values = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(values)):
        raise ValueError("block values must be finite")
    positive_sum = float(values[values > 0].sum())
    # values all below 1 (in millions or billions of a currency): as many more decimals as they lack
    largest = np.abs(values).max(initial=0.0)
    shift = max(0, -int(np.floor(np.log10(largest)))) if largest > 0 else 0
    needed = next((k for k in range(MAX_DECIMALS + shift + 1) if _integral(_times_ten_to(values, k))), None)
    k = MAX_DECIMALS + shift if needed is None else needed
    while k > 0 and (_times_ten_to(positive_sum, k) >= LIMIT / 2
                     or _times_ten_to(np.abs(values[values > 0]).max(initial=0), k) >= 2**53):
        k -= 1
    if _times_ten_to(positive_sum, k) >= LIMIT / 2:
        raise ValueError(f"the positive block values sum to {positive_sum:.3g}; too large for an exact int64 max-flow")
    scaled = _times_ten_to(values, k)
    cap = np.floor(_times_ten_to(positive_sum, k)) + 2  # above the sum of positive scaled values, below 2^62
    return np.rint(np.clip(scaled, -cap, None)).astype(np.int64), k, k == needed


def _times_ten_to(x, k: int):
    """x * 10^k; beyond 10^300 in two steps, since 10.0**309 overflows (values near 1e-320 need k > 308
    and ended in an OverflowError traceback); up to 10^300 the same bits as x * 10.0**k."""
    return x * 10.0 ** min(k, 300) * 10.0 ** max(k - 300, 0)


def _integral(scaled: np.ndarray) -> bool:
    """Integers up to float round-off (a few ulps: 24829.116 * 1000 is 24829116.000000004); a value
    that is not 0 is never the integer 0 (2e-12 at k = 0 would leave its block out of every pit)."""
    rounded = np.rint(scaled)
    return bool(np.all((np.abs(scaled - rounded) <= 4 * np.spacing(np.abs(scaled)) + 1e-9) & ((rounded != 0) | (scaled == 0))))


def max_closure(values: np.ndarray, prec: Precedence) -> Pit:
    """The maximum-value set of blocks closed under precedence; of several optimal sets, the
    smallest (the source side of the minimum cut)."""
    import time

    from ortools.graph.python import max_flow

    scaled, decimals, exact = scale_values(values)
    n = len(scaled)
    source, sink = n, n + 1
    positive = scaled > 0
    infinite = int(scaled[positive].sum()) + 1
    blocks, preds = prec.arcs()
    gain, loss = np.flatnonzero(positive), np.flatnonzero(scaled < 0)
    # a zero arc into the sink: without a negative value the sink would have no arc, OR-Tools would
    # not know the node, and its "optimal" cut would leave every block out
    tails = np.concatenate([np.full(len(gain), source), loss, blocks, [source]]).astype(np.int32)
    heads = np.concatenate([gain, np.full(len(loss), sink), preds, [sink]]).astype(np.int32)
    caps = np.concatenate([scaled[gain], -scaled[loss], np.full(len(blocks), infinite), [0]]).astype(np.int64)
    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(tails, heads, caps)
    start = time.perf_counter()
    status = flow.solve(source, sink)
    seconds = time.perf_counter() - start
    if status != flow.OPTIMAL:
        raise RuntimeError(f"max-flow status {status}")
    in_pit = np.zeros(n + 2, dtype=bool)
    in_pit[np.asarray(flow.get_source_side_min_cut(), dtype=np.int64)] = True
    in_pit = in_pit[:n]
    value = int(scaled[in_pit].sum(dtype=np.int64)) / 10**decimals  # the int64 sum is exact: it stays below 2^62
    return Pit(in_pit, value, decimals, exact, seconds)
