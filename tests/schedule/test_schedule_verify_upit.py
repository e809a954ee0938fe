"""The verifier catches each kind of infeasibility; the exact ultimate pit against brute force,
networkx and MineLib's published newman1 answer."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from minectl.schedule import minelib
from minectl.schedule.blockmodel import generate
from minectl.schedule.minelib import Instance, Precedence, Solution
from minectl.schedule.upit import max_closure, scale_values
from minectl.schedule.verify import verify, verify_pit

NEWMAN1 = Path(__file__).resolve().parents[2] / "examples/data/minelib_newman1"


def tiny() -> tuple[Instance, Precedence]:
    """Blocks 0 and 1 on top; 2 needs both; 3 needs 2. Resource: tonnes, 2 per period at most."""
    coef = np.array([[[1.0], [1.0], [1.0], [1.0]]])
    inst = Instance("tiny", "CPIT", np.array([[-1.0], [-2.0], [5.0], [10.0]]), 2, 0.25, coef,
                    np.full((1, 2), -np.inf), np.array([[2.0, 2.0]]))
    return inst, Precedence.from_arcs(4, np.array([2, 2, 3]), np.array([0, 1, 2]))


def test_npv_recomputed_by_hand():
    inst, prec = tiny()
    verdict = verify(inst, prec, Solution.from_periods([0, 0, 1, 1]))
    assert verdict.feasible and verdict.blocks == 4
    assert verdict.npv == pytest.approx(-1 - 2 + (5 + 10) / 1.25)
    assert verdict.use.tolist() == [[2.0, 2.0]]


@pytest.mark.parametrize("period, problem", [
    ([0, -1, 1, 1], "block 2 (period 1) mined before its predecessor 1 (not mined)"),
    ([0, 1, 0, 1], "block 2 (period 0) mined before its predecessor 1 (in period 1)"),
    ([0, 0, 0, 1], "resource 0 period 0: use 3 outside"),
    ([0, 0, 1, 5], "block 3: period 5 outside 0..1"),
])
def test_each_infeasibility_is_caught(period, problem):
    inst, prec = tiny()
    verdict = verify(inst, prec, Solution.from_periods(period))
    assert not verdict.feasible and any(problem in p for p in verdict.problems), verdict.problems


def test_shares_must_make_a_whole_block_and_lower_limits_hold():
    inst, prec = tiny()
    half = Solution.from_periods([0, 0, 1, 1])
    half.share[3, 0] = 0.5
    assert "shares sum to 0.5" in verify(inst, prec, half).problems[0]
    inst.lower[0, 1] = 3.0
    assert "resource 0 period 1: use 2 outside [3, 2]" in verify(inst, prec, Solution.from_periods([0, 0, 1, 1])).problems[0]


def test_published_newman1_solutions_verify_to_their_published_values():
    prec = minelib.read_prec(NEWMAN1 / "newman1.prec")
    for kind, value in (("cpit", 23_483_671), ("pcpsp", 23_658_230)):
        inst = minelib.read_instance(NEWMAN1 / f"newman1.{kind}", prec.n_blocks)
        sol = minelib.read_solution(NEWMAN1 / f"newman1_{kind}_gmunoz120723.sol", inst)
        verdict = verify(inst, prec, sol)
        assert verdict.feasible and round(verdict.npv) == value
        late = Solution(sol.period.copy(), sol.share)
        late.period[19] = 5  # block 19 has mined successors in period 0
        assert not verify(inst, prec, late).feasible


def brute_force_closure(values: np.ndarray, prec: Precedence) -> float:
    blocks, preds = prec.arcs()
    best = 0.0
    for bits in itertools.product([False, True], repeat=len(values)):
        chosen = np.array(bits)
        if np.all(~chosen[blocks] | chosen[preds]):
            best = max(best, float(values[chosen].sum()))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_max_closure_equals_brute_force_on_tiny_graphs(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 11))
    values = rng.integers(-500, 400, n) / 100  # two decimals: scaled exactly by 10^2
    arcs = [(b, p) for b in range(n) for p in range(b) if rng.random() < 0.3]  # p < b: a DAG
    prec = Precedence.from_arcs(n, np.array([a for a, _ in arcs], np.int64), np.array([p for _, p in arcs], np.int64))
    pit = max_closure(values, prec)
    assert pit.value == pytest.approx(brute_force_closure(values, prec), abs=1e-9)
    assert verify_pit(values, prec, pit.in_pit).feasible and pit.exact and pit.decimals <= 2


@pytest.mark.parametrize(("values", "expected"), [([1.0, 2.0, 0.0], [True, True, False]), ([0.0, 2.0, 0.0], [True, True, False]),
                                                ([0.0, 0.0, 0.0], [False, False, False])])
def test_max_closure_without_a_negative_value_takes_the_positive_blocks_and_their_ancestors(values, expected):
    # block 1 needs block 0; with no negative value the sink has no arc of its own
    prec = Precedence.from_arcs(3, np.array([1]), np.array([0]))
    pit = max_closure(np.array(values), prec)
    assert pit.in_pit.tolist() == expected and pit.value == brute_force_closure(np.array(values), prec)


def test_newman1_ultimate_pit_is_the_published_value_and_set():
    prec = minelib.read_prec(NEWMAN1 / "newman1.prec")
    upit = minelib.read_instance(NEWMAN1 / "newman1.upit", prec.n_blocks)
    pit = max_closure(upit.objective[:, 0], prec)
    assert round(pit.value) == 26_086_899 and pit.value == pytest.approx(26_086_899.02597, abs=1e-6)
    published = minelib.read_solution(NEWMAN1 / "newman1_upit.sol", upit).period >= 0
    assert np.array_equal(pit.in_pit, published) and pit.in_pit.sum() == 1059
    assert (pit.decimals, pit.exact) == (5, True)


def test_max_closure_equals_networkx_min_cut_on_a_generated_model():
    nx = pytest.importorskip("networkx")
    model = generate(8, 8, 5, seed=3, slope_radius=1.5)
    values = np.round(np.random.default_rng(3).normal(-20, 60, model.n_blocks), 2)
    pit = max_closure(values, model.prec)
    graph = nx.DiGraph()
    for b, v in enumerate((values * 100).round().astype(int)):
        graph.add_edge("s", b, capacity=int(v)) if v > 0 else graph.add_edge(b, "t", capacity=int(-v))
    for b, p in zip(*model.prec.arcs(), strict=True):
        graph.add_edge(int(b), int(p))  # no capacity: infinite
    cut, (source_side, _) = nx.minimum_cut(graph, "s", "t")
    expected = sorted(b for b in source_side if b != "s")
    assert pit.value == pytest.approx(values[expected].sum(), abs=1e-6)
    assert pit.value == pytest.approx(values[values > 0].sum() - cut / 100, abs=1e-6)


def test_scaling_guards_overflow_and_caps_unaffordable_blocks():
    scaled, k, exact = scale_values(np.array([1.25, 2.0, -2.5, -1.76532e19]))
    assert (k, exact) == (2, True) and scaled.tolist() == [125, 200, -250, -327]  # capped at -(P + 2): no closure affords it
    scaled, k, exact = scale_values(np.array([4e15, 4e15, 0.5]))  # x 10 would pass 2^53, where float integers end
    assert (k, exact) == (0, False) and scaled.tolist() == [4 * 10**15, 4 * 10**15, 0]
    with pytest.raises(ValueError, match="too large for an exact int64 max-flow"):
        scale_values(np.full(20, 2e17))
    with pytest.raises(ValueError, match="finite"):
        scale_values(np.array([1.0, np.nan]))
