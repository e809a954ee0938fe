"""The probability-integral simulator against hand-computed values; DoE sizes and bounds."""

import dataclasses
import math

import numpy as np
import pytest
from scipy.integrate import quad

from minectl.optimize import doe
from minectl.optimize.pim import VARIABLES, PimParams
from minectl.optimize.simulator import ProbabilityIntegralSimulator

BOUNDS = [[18.0, 25.0], [0.5, 3.0]]


def test_simulator_reproduces_hand_computed_designs():
    sim = ProbabilityIntegralSimulator()  # depth 60, ore body 50, panel 40 x 25, span 10, tan_beta 2, q 0.006
    Y = sim.evaluate(np.array([[20.0, 1.0], [25.0, 0.5]]))
    # (20, 1): m = 30, e = 10/11, m e = 27.2727; H = 60 + 20 + 15 = 95, r = 47.5; shape = erf(sqrt(pi) 20 / 47.5)
    shape = math.erf(math.sqrt(math.pi) * 20 / 47.5)
    assert shape == pytest.approx(0.7088, abs=1e-4)
    assert Y[0, 0] == pytest.approx(100 * 0.006 * 300 / 11 * shape)  # 11.598 cm
    assert Y[0, 0] == pytest.approx(11.598, abs=1e-3)
    assert Y[0, 1] == pytest.approx(2.65 * 40 * 25 * 300 / 11)  # 72 272.7 t
    # (25, 0.5): m = 25, e = 10/10.5; H = 60 + 25 + 12.5 = 97.5, r = 48.75
    shape = math.erf(math.sqrt(math.pi) * 20 / 48.75)
    assert Y[1, 0] == pytest.approx(100 * 0.006 * 25 / 1.05 * shape)
    assert Y[1, 1] == pytest.approx(2.65 * 1000 * 25 / 1.05)


def test_subsidence_is_the_integral_of_the_gaussian_influence_function():
    sim = ProbabilityIntegralSimulator(road_offset_m=15.0)
    pillar, wall = 22.0, 2.0
    m, e = 50 - pillar, 10 / 12
    r = (60 + pillar + m / 2) / 2.0
    influence, _ = quad(lambda s: math.exp(-math.pi * (15.0 - s) ** 2 / r**2) / r, -20, 20)
    assert sim.evaluate([[pillar, wall]])[0, 0] == pytest.approx(100 * 0.006 * m * e * influence, rel=1e-9)
    # Over a panel far wider than the influence radius the full W_max = q m e is reached.
    wide = ProbabilityIntegralSimulator(panel_width_m=1e4)
    assert wide.evaluate([[pillar, wall]])[0, 0] == pytest.approx(100 * 0.006 * m * e)


def test_simulator_trade_off_directions_and_bad_designs():
    sim = ProbabilityIntegralSimulator()
    base, higher_pillar, thicker_wall = sim.evaluate([[20, 1], [24, 1], [20, 2.5]])
    assert higher_pillar[0] < base[0] and higher_pillar[1] < base[1]  # more stable, less ore
    assert thicker_wall[0] < base[0] and thicker_wall[1] < base[1]
    with pytest.raises(ValueError, match="pillar height"):
        sim.evaluate([[50.0, 1.0]])


def test_the_config_node_is_the_simulators_own_parameters():
    """One home for the defaults and ranges: the schema's simulator.pim node is the simulator's class."""
    assert dataclasses.fields(ProbabilityIntegralSimulator) == dataclasses.fields(PimParams)
    params = PimParams(depth_m=80.0)
    params.depth_m = 90.0  # not frozen: Hydra keeps the node writable for overrides
    assert ProbabilityIntegralSimulator(**dataclasses.asdict(params)).depth_m == 90.0


def test_designs_may_list_the_variables_in_any_order():
    sim, X = ProbabilityIntegralSimulator(), doe.full_factorial(BOUNDS, [3, 4])
    assert np.array_equal(sim.evaluate_columns(X[:, ::-1], VARIABLES[::-1]), sim.evaluate(X))


def test_full_factorial_is_the_seeds_88_runs():
    X = doe.full_factorial(BOUNDS, [8, 11])
    assert X.shape == (88, 2)
    assert np.unique(X[:, 0]).tolist() == list(range(18, 26))
    assert np.allclose(np.unique(X[:, 1]), np.arange(0.5, 3.01, 0.25))
    assert len({tuple(row) for row in X}) == 88


@pytest.mark.parametrize("make", [doe.latin_hypercube, doe.sobol])
def test_space_filling_designs_have_size_bounds_and_seed(make):
    X = make(BOUNDS, 88, seed=3)
    assert X.shape == (88, 2)
    assert np.all(X >= np.array(BOUNDS)[:, 0]) and np.all(X <= np.array(BOUNDS)[:, 1])
    assert np.array_equal(X, make(BOUNDS, 88, seed=3))
    assert not np.array_equal(X, make(BOUNDS, 88, seed=4))


def test_latin_hypercube_fills_every_stratum_once():
    X = doe.latin_hypercube(BOUNDS, 40, seed=0)
    low, high = np.array(BOUNDS).T
    strata = np.floor((X - low) / (high - low) * 40).astype(int)
    for column in strata.T:
        assert sorted(column) == list(range(40))


def test_design_by_kind_is_the_named_design():
    assert np.array_equal(doe.design("full_factorial", BOUNDS, 0, levels=[8, 11]), doe.full_factorial(BOUNDS, [8, 11]))
    assert np.array_equal(doe.design("lhs", BOUNDS, 5, n=20), doe.latin_hypercube(BOUNDS, 20, 5))
    assert np.array_equal(doe.design("sobol", BOUNDS, 5, n=20), doe.sobol(BOUNDS, 20, 5))
    with pytest.raises(ValueError, match="unknown design kind 'grid'; expected one of: full_factorial, lhs, sobol"):
        doe.design("grid", BOUNDS, 0)


def test_bad_bounds_and_levels_fail():
    with pytest.raises(ValueError, match="lower bound"):
        doe.latin_hypercube([[25.0, 18.0]], 10, seed=0)
    with pytest.raises(ValueError, match=r"\(n_vars, 2\)"):
        doe.sobol([1.0, 2.0], 10, seed=0)
    with pytest.raises(ValueError, match="2 levels"):
        doe.full_factorial(BOUNDS, [8, 1])
