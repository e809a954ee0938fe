"""CPIT / PCPSP schedules: the LP bound of newman1 against MineLib's, the MIP against brute force,
the reductions, and every answer through the verifier."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from minectl.schedule import minelib
from minectl.schedule.blockmodel import block_values, generate, instance_of
from minectl.schedule.cpit import cone_weights, earliest_periods, solve_schedule, topological_order
from minectl.schedule.minelib import Instance, Precedence, Solution
from minectl.schedule.verify import verify

NEWMAN1 = Path(__file__).resolve().parents[2] / "examples/data/minelib_newman1"


def brute_force(inst: Instance, prec: Precedence) -> float:
    best = -np.inf  # with lower limits even mining nothing can be infeasible
    for periods in itertools.product(range(-1, inst.n_periods), repeat=inst.n_blocks):
        for dests in itertools.product(range(inst.n_destinations), repeat=inst.n_blocks):
            share = np.zeros((inst.n_blocks, inst.n_destinations))
            share[np.arange(inst.n_blocks), dests] = 1.0
            share[np.array(periods) < 0] = 0.0
            verdict = verify(inst, prec, Solution(np.array(periods), share))
            if verdict.feasible:
                best = max(best, verdict.npv)
    return best


def small_instance(seed: int, kind: str, below: dict[int, list[int]]) -> tuple[Instance, Precedence]:
    """Top blocks, and blocks below needing the listed ones; random values, tonnes and capacities
    that bind (two periods of 4 t mined, 2.5 t processed)."""
    n = 1 + max(below)
    rng = np.random.default_rng(seed)
    values = np.column_stack([-rng.uniform(1, 5, n), rng.normal(2, 8, n)]).round(2)
    inst = instance_of("s", values, rng.uniform(1, 2, n).round(1), 2, 4.0, 2.5, 0.2, kind)
    arcs = [(b, p) for b, ps in below.items() for p in ps]
    return inst, Precedence.from_arcs(n, np.array([b for b, _ in arcs]), np.array([p for _, p in arcs]))


@pytest.mark.parametrize("seed", [0, 1])
def test_cpit_mip_equals_brute_force_with_and_without_reductions(seed):
    inst, prec = small_instance(seed, "CPIT", {5: [0, 1, 2], 6: [1, 2, 3], 7: [2, 3, 4]})  # 3^8 schedules
    expected = brute_force(inst, prec)
    for reduce in (True, False):
        result = solve_schedule(inst, prec, time_limit=30, reduce=reduce, whole_mip=True)
        assert result.feasible and result.value == pytest.approx(expected, abs=1e-6)
        assert result.bound >= expected - 1e-6 and result.lp_bound >= expected - 1e-6
        assert not result.time_limited  # solved to the end: the same result on any machine


def test_a_solve_the_clock_stopped_says_so():
    prec = minelib.read_prec(NEWMAN1 / "newman1.prec")
    inst = minelib.read_instance(NEWMAN1 / "newman1.cpit", prec.n_blocks)
    result = solve_schedule(inst, prec, time_limit=2.0, window_sweeps=20)  # newman1's windows need far longer
    assert result.time_limited and result.feasible


def test_pcpsp_mip_against_brute_force_on_whole_destinations():
    inst, prec = small_instance(4, "PCPSP", {3: [0, 1], 4: [1, 2]})  # 3^5 periods x 2^5 destinations
    result = solve_schedule(inst, prec, time_limit=30, whole_mip=True)
    # PCPSP may split a block between destinations, so it can beat whole-block choices when the plant binds ...
    assert result.feasible and result.value >= brute_force(inst, prec) - 1e-6
    inst.upper[1] = 100.0  # ... and equals them when it does not
    result = solve_schedule(inst, prec, time_limit=30, whole_mip=True)
    assert result.feasible and result.value == pytest.approx(brute_force(inst, prec), abs=1e-6)


def test_cone_weights_and_earliest_periods_by_hand():
    # a chain 0 <- 1 <- 2 and block 3 needing 1 and 2: cones {0}, {0,1}, {0,1,2}, {0,1,2,3}
    prec = Precedence.from_arcs(4, np.array([1, 2, 3, 3]), np.array([0, 1, 1, 2]))
    order = topological_order(prec)
    tonnes = np.array([[1.0], [2.0], [4.0], [8.0]])
    assert cone_weights(prec, tonnes, order)[:, 0].tolist() == [1, 3, 7, 15]
    inst = Instance("e", "CPIT", np.ones((4, 1)), 3, 0.1, tonnes.T[:, :, None], np.full((1, 3), -np.inf), np.array([[3.0, 4.0, 100.0]]))
    assert earliest_periods(inst, prec, order).tolist() == [0, 0, 1, 2]  # cumulative capacity 3, 7, 107
    with pytest.raises(ValueError, match="cycle"):
        topological_order(Precedence.from_arcs(2, np.array([0, 1]), np.array([1, 0])))


def test_newman1_lp_bound_is_the_published_one():
    prec = minelib.read_prec(NEWMAN1 / "newman1.prec")
    inst = minelib.read_instance(NEWMAN1 / "newman1.cpit", prec.n_blocks)
    plain = solve_schedule(inst, prec, time_limit=60, mip=False, reduce=False)
    assert round(plain.lp_bound) == 24_486_184  # MineLib: 24,486,184 (Bienstock-Zuckerberg)
    assert plain.feasible and plain.value > 23_000_000  # TopoSort + local moves alone
    reduced = solve_schedule(inst, prec, time_limit=60, mip=False)
    assert reduced.candidates == 1059 and reduced.lp_bound < plain.lp_bound  # earliest periods cut the LP
    assert reduced.value > 23_483_671  # the LP-guided heuristic alone passes MineLib's 2012 best known


def test_synthetic_schedule_is_verified_and_deferral_is_kept():
    model = generate(6, 6, 4, seed=2)
    values = block_values(model.tonnes, model.grade, model.dilution, model.burst_probability, _econ())
    inst = instance_of("g", values, model.tonnes, 3, 0.3 * model.tonnes.sum(), 0.15 * model.tonnes.sum(), 0.1)
    defer = np.where(model.burst_probability > 0.3, 2, 0)
    result = solve_schedule(inst, model.prec, time_limit=20, not_before=defer)
    assert result.feasible and result.value > 0 and result.bound >= result.value - 1e-6
    mined = result.solution.period >= 0
    assert np.all(result.solution.period[mined & (defer > 0)] >= 2)


@pytest.mark.parametrize("relaxation", ["lp", "lagrangian"])
def test_work_limits_give_the_same_schedule_twice(relaxation):
    """Sweeps and sub-MIP gaps, not the clock, end the solve: two solves agree to the last block."""
    model = generate(8, 8, 4, seed=3)
    values = block_values(model.tonnes, model.grade, model.dilution, model.burst_probability, _econ())
    mining = 0.1 * model.tonnes.sum()
    inst = instance_of("g", values, model.tonnes, 4, mining, 0.5 * mining, 0.1)
    first, second = (solve_schedule(inst, model.prec, window_sweeps=3, relaxation=relaxation) for _ in range(2))
    assert not first.time_limited and not second.time_limited and first.feasible
    assert first.value > first.heuristic_value  # the windows did work ...
    assert 1 <= first.sweeps <= 3
    assert np.array_equal(first.solution.period, second.solution.period) and np.array_equal(first.solution.share, second.solution.share)
    assert (first.value, first.bound, first.heuristic_value, first.sweeps) == (second.value, second.bound, second.heuristic_value, second.sweeps)
    none = solve_schedule(inst, model.prec, window_sweeps=0, relaxation=relaxation)  # ... and without sweeps, only the heuristic
    assert none.value == none.heuristic_value == first.heuristic_value and none.sweeps == 0


def test_lagrangian_bound_bounds_the_lp_and_approaches_it():
    """Weak duality: every multiplier gives a bound >= the LP (which is >= every schedule); the
    subgradient steps get close to the LP's value, and the schedule it guides is verified."""
    model = generate(8, 8, 4, seed=1)
    values = block_values(model.tonnes, model.grade, model.dilution, model.burst_probability, _econ())
    mining = 0.1 * model.tonnes.sum()
    inst = instance_of("g", values, model.tonnes, 4, mining, 0.5 * mining, 0.1)
    lp = solve_schedule(inst, model.prec, relaxation="lp", mip=False)
    few, many = (solve_schedule(inst, model.prec, relaxation="lagrangian", lagrangian_iterations=k, mip=False) for k in (3, 300))
    assert lp.relaxation == "lp" and many.relaxation == "lagrangian"
    assert few.lp_bound >= many.lp_bound >= lp.lp_bound - 1e-6 * lp.lp_bound
    assert many.lp_bound <= 1.002 * lp.lp_bound  # within 0.2 % of the LP after 300 steps
    assert many.feasible and many.value <= lp.lp_bound
    inst, prec = small_instance(0, "CPIT", {5: [0, 1, 2], 6: [1, 2, 3], 7: [2, 3, 4]})
    assert solve_schedule(inst, prec, relaxation="lagrangian", mip=False).lp_bound >= brute_force(inst, prec) - 1e-6
    with pytest.raises(ValueError, match="one destination"):
        solve_schedule(*small_instance(4, "PCPSP", {3: [0, 1], 4: [1, 2]}), relaxation="lagrangian")


@pytest.mark.parametrize(("seed", "low"), [(0, 1.6), (1, 2.0), (3, 2.0), (5, 1.6)])
def test_lower_limits_that_toposort_breaks_are_met(seed, low):
    """A plant that needs `low` t in the last period: TopoSort fills the first period and leaves
    too little, so the MIP's first feasible schedule is where the windows start."""
    inst, prec = small_instance(seed, "CPIT", {5: [0, 1, 2], 6: [1, 2, 3], 7: [2, 3, 4]})
    inst.lower[1, 1] = low
    heuristic = solve_schedule(inst, prec, mip=False)
    assert not heuristic.feasible and np.isnan(heuristic.heuristic_value)
    expected = brute_force(inst, prec)
    default = solve_schedule(inst, prec)
    assert default.feasible and expected - 1e-6 <= default.lp_bound and default.value <= expected + 1e-6
    exact = solve_schedule(inst, prec, whole_mip=True)
    assert exact.feasible and exact.value == pytest.approx(expected, abs=1e-6)
    inst.upper[1] = np.inf  # the plant's limit only from below: the Lagrangian drops it, still a bound
    assert solve_schedule(inst, prec, relaxation="lagrangian", mip=False).lp_bound >= brute_force(inst, prec) - 1e-6


def test_no_schedule_meets_the_lower_limits():
    inst, prec = small_instance(4, "CPIT", {5: [0, 1, 2], 6: [1, 2, 3], 7: [2, 3, 4]})
    inst.lower[1, 1] = 2.0
    assert brute_force(inst, prec) == -np.inf
    with pytest.raises(ValueError, match="no schedule meets the resource limits"):  # proven, not an infeasible schedule's NPV
        solve_schedule(inst, prec, whole_mip=True)


def _econ():
    from minectl.schedule.blockmodel import Economics

    return Economics()


@pytest.mark.slow
def test_newman1_cpit_within_120_s():
    prec = minelib.read_prec(NEWMAN1 / "newman1.prec")
    inst = minelib.read_instance(NEWMAN1 / "newman1.cpit", prec.n_blocks)
    result = solve_schedule(inst, prec, time_limit=120, window_sweeps=5, window_gap=1e-4)  # +experiment=newman1's settings
    assert result.feasible and result.value >= 24_100_000 and result.bound <= 24_486_185


def test_a_cpit_schedule_is_a_pcpsp_schedule_of_the_same_value():
    """Why the PCPSP optimum bounds the CPIT one on newman1 (docs/schedule.md)."""
    prec = minelib.read_prec(NEWMAN1 / "newman1.prec")
    cpit = minelib.read_instance(NEWMAN1 / "newman1.cpit", prec.n_blocks)
    pcpsp = minelib.read_instance(NEWMAN1 / "newman1.pcpsp", prec.n_blocks)
    period = minelib.read_solution(NEWMAN1 / "newman1_cpit_gmunoz120723.sol", cpit).period
    as_pcpsp = Solution.from_periods(period, 2)
    as_pcpsp.share[:] = 0.0
    as_pcpsp.share[period >= 0, pcpsp.objective.argmax(axis=1)[period >= 0]] = 1.0
    verdict = verify(pcpsp, prec, as_pcpsp)
    assert verdict.feasible and verdict.npv == pytest.approx(verify(cpit, prec, Solution.from_periods(period)).npv, abs=1e-6)
