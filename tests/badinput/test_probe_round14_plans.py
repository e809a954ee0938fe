"""Round 14 probes of `minectl schedule`, `minectl optimize` and `minectl capacity`: values in another unit (resource
limits in kt beside block uses in t, sidewalls in cm), a reserve coefficient below 1, a MIP solver's shares a hair
above 1, and a figure shown as 0.00 that is not 0. Each refusal has a near miss that still runs and gives its figure,
checked against a brute-force schedule, the seed's equation or the quadratic's vertex by hand.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from harness import assert_refused, invoke

# -- MineLib: limits no block fits ---------------------------------------------------------------------------

def _cpit(limits: tuple[float, float], uses=(10_000, 12_000, 8_000)) -> str:
    """3 blocks (values -1, 2, 3), block 2 under 0 and 1; one resource (the blocks' tonnes), 2 periods at 10 %."""
    return "\n".join(["NAME: t", "TYPE: CPIT", "NBLOCKS: 3", "NPERIODS: 2", "NRESOURCE_SIDE_CONSTRAINTS: 1", "DISCOUNT_RATE: 0.1",
                      "RESOURCE_CONSTRAINT_LIMITS:", f"0 0 L {limits[0]}", f"0 1 L {limits[1]}", "OBJECTIVE_FUNCTION:",
                      "0 -1", "1 2", "2 3", "RESOURCE_CONSTRAINT_COEFFICIENTS:", *(f"{b} 0 {u}" for b, u in enumerate(uses)),
                      "EOF", ""])


PREC = "0 0\n1 0\n2 2 0 1\n"


def _brute_force(instance, arcs: list[tuple[int, int]]) -> float:
    """The best NPV over every assignment of the blocks to a period or to none."""
    best = 0.0
    for periods in itertools.product(range(-1, instance.n_periods), repeat=instance.n_blocks):
        if any(periods[b] >= 0 and not 0 <= periods[p] <= periods[b] for b, p in arcs):
            continue
        use = [sum(instance.coef[0, b, 0] for b in range(instance.n_blocks) if periods[b] == t) for t in range(instance.n_periods)]
        if all(use[t] <= instance.upper[0, t] for t in range(instance.n_periods)):
            best = max(best, sum(instance.objective[b, 0] / 1.1 ** t for b, t in enumerate(periods) if t >= 0))
    return best


def _folder(tmp_path: Path, cpit: str, prec: str = PREC) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "t.cpit").write_text(cpit)
    (folder / "t.prec").write_text(prec)
    return folder


def test_limits_no_block_fits_are_refused(tmp_path):
    # limits in kt (25) beside uses in t (8,000-12,000): the empty schedule, NPV 0, feasible, exit 0
    folder = _folder(tmp_path, _cpit((25, 25)))
    run = tmp_path / "run"
    assert_refused(["schedule", f"minelib.path={folder}", "minelib.name=t", "minelib.blocks_file=false", "schedule.problems=[cpit]",
                    "report=false", f"hydra.run.dir={run}"],
                   f"error: {folder / 't.cpit'}: no block fits any period's limits (block 0 uses 10000 of resource 0, whose largest "
                   "limit is 25): the schedule would mine nothing; expected limits in the coefficients' units",
                   inputs=[folder], run_dir=run)


@pytest.mark.parametrize("limits", [(25_000, 25_000), (0, 20_000), (12_000, 12_000)])
def test_limits_some_block_fits_give_the_brute_force_schedule(limits, tmp_path):
    # a period of 0 (a shutdown) beside one that fits; room for one block a period: still solved, to the brute force
    from minectl.schedule import minelib
    from minectl.schedule.cpit import solve_schedule

    folder = _folder(tmp_path, _cpit(limits))
    instance, prec = minelib.read_instance(folder / "t.cpit"), minelib.read_prec(folder / "t.prec")
    result = solve_schedule(instance, prec, time_limit=30)
    expected = _brute_force(instance, [(2, 0), (2, 1)])
    assert result.value == pytest.approx(expected, abs=1e-9)
    assert expected == {(25_000, 25_000): pytest.approx(2 + 2 / 1.1), (0, 20_000): pytest.approx(2 / 1.1), (12_000, 12_000): 2}[limits]


def test_a_repeated_predecessor_leaves_the_brute_force_schedule(tmp_path):
    # round 11 reads `2 3 0 1 1`: the same arc twice is the same constraint twice, the schedule unchanged
    from minectl.schedule import minelib
    from minectl.schedule.cpit import solve_schedule

    folder = _folder(tmp_path, _cpit((22_000, 22_000)), "0 0\n1 0\n2 4 0 1 1 0\n")
    instance, prec = minelib.read_instance(folder / "t.cpit"), minelib.read_prec(folder / "t.prec")
    assert solve_schedule(instance, prec, time_limit=30).value == pytest.approx(_brute_force(instance, [(2, 0), (2, 1)]), abs=1e-9)


# -- MineLib: a solver's shares ------------------------------------------------------------------------------

PCPSP = "\n".join([  # 2 blocks, 1 under 0; no resources; block values to destinations 0 and 1
    "NAME: t", "TYPE: PCPSP", "NBLOCKS: 2", "NPERIODS: 2", "NDESTINATIONS: 2", "NRESOURCE_SIDE_CONSTRAINTS: 0",
    "NGENERAL_SIDE_CONSTRAINTS: 0", "DISCOUNT_RATE: 0.25", "OBJECTIVE_FUNCTION:", "0 -2 -1", "1 8 4", "EOF", ""])


@pytest.mark.parametrize("shares, npv", [
    (("1.0000000002", "0.2500000001", "0.7499999999"), -2.0000000004 + (8 * 0.2500000001 + 4 * 0.7499999999) / 1.25),
    (("1", "0.25", "0.75"), -2 + 5 / 1.25),
    (("0.9999999998", "0.25", "0.75"), -1.9999999996 + 5 / 1.25)])
def test_shares_off_by_a_solvers_round_off_are_verified(shares, npv, tmp_path):
    # a MIP solver's 1.0000000002 was "share out of range", its 0.9999999998 read
    from minectl.schedule import minelib
    from minectl.schedule.verify import verify

    (tmp_path / "t.pcpsp").write_text(PCPSP)
    (tmp_path / "s.sol").write_text(f"0 0 0 {shares[0]}\n1 0 1 {shares[1]}\n1 1 1 {shares[2]}\n")
    instance = minelib.read_instance(tmp_path / "t.pcpsp")
    verdict = verify(instance, minelib.Precedence.from_arcs(2, np.array([1]), np.array([0])),
                     minelib.read_solution(tmp_path / "s.sol", instance))
    assert (verdict.feasible, verdict.npv) == (True, pytest.approx(npv, abs=1e-12))


@pytest.mark.parametrize("share", ["1.00001", "-0.001"])
def test_a_share_beyond_round_off_is_still_refused(share, tmp_path):
    from minectl.errors import DataError
    from minectl.schedule import minelib

    (tmp_path / "t.pcpsp").write_text(PCPSP)
    (tmp_path / "s.sol").write_text(f"0 0 0 1\n1 0 1 {share}\n")
    with pytest.raises(DataError, match=r"s\.sol:2: destination, period or share out of range"):
        minelib.read_solution(tmp_path / "s.sol", minelib.read_instance(tmp_path / "t.pcpsp"))


# -- optimize: sidewalls in another unit ---------------------------------------------------------------------

@pytest.mark.parametrize("overrides, wall, span, panel", [
    (["optimize.variables.sidewall_thickness_m.low=50", "optimize.variables.sidewall_thickness_m.high=300"], "300", "10", "40"),
    (["simulator.pim.panel_width_m=12"], "3", "10", "12")])
def test_walls_wider_than_the_panel_are_refused(overrides, wall, span, panel, tmp_path):
    # the seed's 0.5-3 m walls in cm ran: 8,240 t of ore and 1.3 cm of subsidence recommended, exit 0
    assert_refused(["optimize", "-m", "debug=quick", *overrides, f"hydra.sweep.dir={tmp_path / 'sweep'}"],
                   f"error: optimize.variables.sidewall_thickness_m: a wall of {wall} m (its high) and a stope of "
                   f"simulator.pim.stope_span_m={span} m are wider than the panel (simulator.pim.panel_width_m={panel} m); expected "
                   "walls in metres (0.5-3 in the seed) and a panel that holds a stope and a wall", run_dir=tmp_path / "sweep")


def test_a_fixed_price_nowhere_near_the_band_is_refused_as_a_price_path_is(tmp_path):
    # 2,700 CNY/t against the band's 300-450 USD/t: "output first" (weights_at_high), exit 0; a path of it was refused
    assert_refused(["optimize", "-m", "debug=quick", "optimize.decision.price=380,2700", "optimize.decision.price_unit=USD/t",
                    f"hydra.sweep.dir={tmp_path / 'sweep'}"],
                   "error: optimize.decision.price=2700 is nowhere near the decision's price band 300-450 USD/t (not even within "
                   "150-900); expected a price in the band's unit, or low_price and high_price in the price's", run_dir=tmp_path / "sweep")


@pytest.mark.parametrize("override", ["optimize.robustness.noise=5", "optimize.robustness.outlier_magnitude=1.5"])
def test_robustness_perturbations_in_percent_are_refused(override, tmp_path):
    # noise=5 for the seed's 5 %: an sd of 500 %, responses of either sign fitted, R^2 -892 reported, exit 0
    key, value = override.split("=")
    assert_refused(["optimize", "-m", "debug=quick", f"{key}=0.01,{value}", f"hydra.sweep.dir={tmp_path / 'sweep'}"],
                   f"error: {key}={float(value)} is out of range; expected a number in [0, 1]", run_dir=tmp_path / "sweep")


def test_the_near_misses_pass_the_checks():
    # a wall and a stope filling the panel, twice the band's high price, the seed's largest noise and outliers
    near = {"optimize.variables.sidewall_thickness_m.high": "30.0", "optimize.decision.price": "900.0", "optimize.robustness.noise": "0.13",
            "optimize.robustness.outlier_share": "0.2", "optimize.robustness.outlier_magnitude": "0.5"}
    result = invoke("optimize", "--cfg", "job", *(f"{key}={value}" for key, value in near.items()))
    assert result.exit_code == 0, result.output
    assert all(f"{key.rsplit('.', 1)[1]}: {value}" in result.output for key, value in near.items())


# -- capacity: the reserve coefficient and a tiny optimum ----------------------------------------------------

def test_a_reserve_coefficient_below_1_is_refused(tmp_path):
    # K = 0.5 planned twice the reserves over the service life (eq 3: 98.7 Mt/a from 740 Mt over 15 a), exit 0
    assert_refused(["capacity", "-m", "limits.reserve_coefficient=1.1,0.5", f"hydra.sweep.dir={tmp_path / 'sweep'}"],
                   "error: limits.reserve_coefficient=0.5 is out of range; expected a finite number >= 1", run_dir=tmp_path / "sweep")


def test_a_reserve_coefficient_of_1_gives_eq_3():
    from minectl.capacity.limits import reserves_limit
    from minectl.errors import ConfigError

    assert reserves_limit(740e6, 15, 1.0) == pytest.approx(740e6 / 15, rel=1e-15)
    with pytest.raises(ConfigError, match=r"reserve_coefficient: expected a reserve coefficient >= 1"):
        reserves_limit(740e6, 15, 0.99)


def test_an_optimum_below_0_01_mt_a_is_shown_not_as_0():
    # an optimum of a small mine's 4,100 t/a read as "0.00 Mt/a", as if producing nothing were best (found with cost
    # coefficients per 10^4 t beside Q in t, revenue.output_unit_t=1: a unit slip refused since round 22)
    from minectl.tasks.capacity import _mt

    assert (_mt(0.0041), _mt(0.00412), _mt(5.714), _mt(0.01), _mt(0.0)) == ("0.0041", "0.0041", "5.71", "0.01", "0.00")


def test_a_total_cost_of_0_beside_an_output_is_refused(tmp_path):
    # a blank cell exported as 0 at 5 units: fitted, the logarithmic form ranked best (R^2 0.976), exit 0
    path = tmp_path / "costs.csv"
    path.write_text("output,total_cost\n5,0\n10,200\n20,310\n30,420\n40,560\n")
    assert_refused(["capacity", f"cost_data.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "error: cost_data.total_column: 1 total costs of 0 at an output above 0 (the first at value 1 of 5); expected each "
                   "period's total cost, > 0", inputs=[path], run_dir=tmp_path / "run")


def test_an_idle_period_with_its_fixed_costs_is_still_fitted():
    # output 0 at a cost of 100 (the fixed costs of an idle month): the linear form is numpy's least squares line
    from minectl.capacity.curves import fit_cost_curves

    q, cost = [0, 10, 20, 30, 40], [100, 200, 310, 420, 560]
    linear = next(curve for curve in fit_cost_curves(q, cost) if curve.form == "linear")
    assert linear.coef_.tolist() == pytest.approx(np.polyfit(q, cost, 1)[::-1].tolist(), rel=1e-12)
