"""Round 16 probes of `minectl optimize` and `minectl capacity`: objectives that trade nothing off (ore_t minimised, as
its sense defaults) gave a one-point front and a hypervolume ratio of 2.90, exit 0; settings that change nothing: NSGA-II's operators at
n_gen=1 (its initial sample alone) or SBX's eta at crossover_prob=0 ran the defaults' front, and capacity's rolling, cost
and cobweb settings without their file changed no figure, exit 0, not a word (now said, as a sweep may give them to some
jobs only); a Sobol base sample rounded up to a power of two made sobol_n=600, 800 and 1000 one run. Each has a near
miss that still runs, with its figure checked by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from harness import assert_refused, invoke

# -- optimize: NSGA-II operators no generation applies --------------------------------------------------------------


def _front(n_gen: int, **operators) -> np.ndarray:
    """NSGA-II's front of a two-objective problem by hand (x0^2 + x1 and (x0 - 2)^2 - x1 over [0, 3] x [0, 1])."""
    from minectl.optimize import moo

    problem = moo.DesignProblem(lambda X: np.column_stack([X[:, 0] ** 2 + X[:, 1], (X[:, 0] - 2) ** 2 - X[:, 1]]),
                                [[0, 3], [0, 1]], ["a", "b"], [moo.Objective("a"), moo.Objective("b")])
    return moo.run_nsga2(problem, pop_size=12, n_gen=n_gen, seed=0, **operators).X


def test_operators_change_no_design_at_one_generation_or_no_crossover():
    """Why the refusals below hold: the settings changed nothing, and from n_gen=2 they do."""
    settings = dict(crossover_prob=0.3, crossover_eta=2.0, mutation_eta=3.0)
    assert np.array_equal(_front(1), _front(1, **settings))
    assert not np.array_equal(_front(2), _front(2, **settings))
    assert np.array_equal(_front(5, crossover_prob=0.0, crossover_eta=15.0), _front(5, crossover_prob=0.0, crossover_eta=2.0))


CHEAP = ["debug=quick", "optimize.baseline.trials=2", "optimize.sensitivity.sobol_n=64", "optimize.sensitivity.oat_points=2",
         "surrogate=rf", "surrogate.params.n_estimators=10", "surrogate.cv_folds=2", "report=false"]


def _optimize(run: Path, *overrides: str) -> tuple[str, dict]:
    result = invoke("optimize", *CHEAP, *overrides, f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split()), json.loads((run / "metrics.json").read_text())


def test_operator_settings_no_generation_applies_are_said(tmp_path):
    """n_gen=1 crossover_prob=0.5 mutation_eta=5 and crossover_eta=3 ran the defaults' front, exit 0, not a word."""
    output, metrics = _optimize(tmp_path / "one", "optimizer.n_gen=1", "optimizer.crossover_prob=0.5", "optimizer.mutation_eta=5",
                                "optimizer.crossover_eta=3", "optimizer.sampling=random")
    for setting, needs in (("crossover_prob=0.5", "optimizer.n_gen >= 2"), ("mutation_eta=5", "optimizer.n_gen >= 2"),
                           ("crossover_eta=3", "optimizer.n_gen >= 2 and optimizer.crossover_prob > 0")):
        assert f"warning: optimizer.{setting} is read only with {needs}: not used by this run" in output
    assert "sampling" not in output  # the initial sample is drawn: its kind is read
    assert metrics["pareto.size"] >= 1


@pytest.mark.parametrize("n_gen, crossover_prob, read", [
    (2, 0.0, {"optimizer.crossover_prob": True, "optimizer.mutation_eta": True, "optimizer.crossover_eta": False}),
    (2, None, dict.fromkeys(("optimizer.crossover_prob", "optimizer.mutation_eta", "optimizer.crossover_eta"), True)),
    (1, None, dict.fromkeys(("optimizer.crossover_prob", "optimizer.mutation_eta", "optimizer.crossover_eta"), False))])
def test_operator_settings_are_read_where_a_generation_applies_them(n_gen, crossover_prob, read):
    """The near misses: from n_gen=2 mutation runs, with or without crossover (crossover_prob=None: SBX's 0.9)."""
    from omegaconf import OmegaConf

    from minectl.tasks.optimize import READ_ONLY_WITH

    cfg = OmegaConf.create({"optimizer": {"n_gen": n_gen, "crossover_prob": crossover_prob}, "simulator": {"kind": "pim"}})
    assert {key: is_read(cfg) for key, (_, is_read) in READ_ONLY_WITH.items()} == {"optimizer.compare_direct": True, **read}


@pytest.mark.parametrize("kind, read", [("pim", True), ("table", False)])
def test_compare_direct_is_read_with_a_simulator_only(kind, read):
    """simulator=table optimizer.compare_direct=true: no simulator to run NSGA-II on, no pareto.hv_ratio, not a word."""
    from omegaconf import OmegaConf

    from minectl.tasks.optimize import READ_ONLY_WITH

    assert READ_ONLY_WITH["optimizer.compare_direct"][1](OmegaConf.create({"simulator": {"kind": kind}})) is read


# -- optimize: objectives that trade nothing off -------------------------------------------------------------------


def test_objectives_one_run_is_best_in_are_refused_before_any_fit(tmp_path):
    """ore_t with the default sense (min) beside subsidence_cm min: a one-point front, pareto.hv_ratio 2.90 (a ratio of
    hypervolumes <= 1, from a box of zero width scaled in cm and t) and a price that decided nothing, exit 0."""
    run = tmp_path / "run"
    assert_refused(["optimize", "debug=quick", "optimize.objectives=[{response:subsidence_cm},{response:ore_t}]", f"hydra.run.dir={run}"],
                   "error: optimize.objectives (subsidence_cm min, ore_t min): of the 88 runs, the one at pillar_height_m=25, "
                   "sidewall_thickness_m=3 is the best in every one, so they trade nothing off", run_dir=run)


@pytest.mark.parametrize("Y, senses, conflict", [
    ([[1.0, 5.0], [2.0, 4.0], [3.0, 3.0]], ("min", "min"), True),
    ([[1.0, 5.0], [2.0, 4.0], [3.0, 3.0]], ("min", "max"), False),  # run 1 least of the first, most of the second
    ([[1.0, 4.0], [1.0, 3.0], [2.0, 3.0]], ("min", "min"), False),  # run 2 ties the best of both: weakly dominates
    ([[1.0, 3.0, 0.0], [2.0, 2.0, 0.0], [3.0, 1.0, 0.0]], ("min", "min", "min"), True)])  # a constant third leaves a trade-off
def test_a_trade_off_is_found_by_hand(Y, senses, conflict):
    from minectl.errors import ConfigError
    from minectl.optimize.moo import Objective
    from minectl.tasks.optimize import _check_trade_off

    names = [f"r{i}" for i in range(len(senses))]
    objectives = [Objective(name, sense) for name, sense in zip(names, senses, strict=True)]
    X = np.arange(len(Y), dtype=float)[:, None]
    if conflict:
        _check_trade_off(X, np.array(Y), ["x"], names, objectives, [])
    else:
        with pytest.raises(ConfigError, match="trade nothing off"):
            _check_trade_off(X, np.array(Y), ["x"], names, objectives, [])


def test_a_best_run_outside_the_constraints_is_no_sign_of_objectives_alike():
    """Run 2 is best in both objectives but breaks r1 <= 2.5; the runs within it (1 and 3) trade off."""
    from minectl.optimize.moo import Constraint, Objective
    from minectl.tasks.optimize import _check_trade_off

    Y, objectives = np.array([[1.0, 4.0], [1.0, 3.0], [2.0, 2.4]]), [Objective("r0", "min"), Objective("r1", "min")]
    _check_trade_off(np.arange(3.0)[:, None], Y, ["x"], ["r0", "r1"], objectives, [Constraint("r1", "<=", 3.5)])  # trade-off
    _check_trade_off(np.arange(3.0)[:, None], Y[[0, 1]], ["x"], ["r0", "r1"], objectives, [Constraint("r1", "<=", 2.5)])


# -- schedule: a cooling capacity no block fits ---------------------------------------------------------------------


def _cooling_by_hand(nx=10, ny=10, nz=5, seed=0) -> tuple[float, float]:
    """(the loop's cooling capacity a period per unit of loop.ventilation_capacity, the least any block needs), MWh, from the
    synthetic model's temperatures: tonnes x (2 kWh/t + 1 kWh/t per C above 40 C) / 1000, as docs/schedule.md gives it."""
    from minectl.schedule.blockmodel import generate

    model = generate(seed=seed, nx=nx, ny=ny, nz=nz)
    demand = model.tonnes * (2.0 + np.maximum(0.0, model.temperature - 40.0)) / 1000
    processing_t = 0.5 * 0.06 * model.tonnes.sum()  # schedule.processing_share x mining_share x the model's tonnes
    return processing_t * demand.sum() / model.tonnes.sum(), 2750 * 2.0 / 1000


def test_a_cooling_capacity_no_block_fits_is_refused_before_any_solve(tmp_path):
    """loop.ventilation_capacity=0.001: 0.35 MWh a period against 5.5 MWh the least block needs; three empty plans were
    compared, NPV 0 vs 0, exit 0."""
    per_share, least = _cooling_by_hand()
    run = tmp_path / "run"
    assert_refused(["schedule", "debug=quick", "schedule.problems=[]", "loop.ventilation_capacity=0.001", f"hydra.run.dir={run}"],
                   f"error: loop.ventilation_capacity=0.001: {0.001 * per_share:.3g} MWh of cooling a period, below the {least:.3g} "
                   f"MWh any block needs: no plan could mine a block; expected at least {least / per_share:.2g}", run_dir=run)


@pytest.mark.parametrize("above", [True, False])
def test_a_cooling_capacity_at_the_least_block_passes_and_below_it_is_refused(above):
    from omegaconf import OmegaConf

    from minectl.errors import ConfigError
    from minectl.tasks.schedule import Config, _check_cooling_fits

    assert round(0.9 * _cooling_by_hand(16, 16, 6)[0]) == 1012  # docs/schedule.md: 1,012 MWh a period on the default model
    per_share, least = _cooling_by_hand()
    share = float(least / per_share * (1.001 if above else 0.999))
    cfg = OmegaConf.merge(OmegaConf.structured(Config), {"synthetic": {"nx": 10, "ny": 10, "nz": 5},
                                                         "loop": {"ventilation_capacity": share}})
    if above:
        _check_cooling_fits(cfg)
    else:
        with pytest.raises(ConfigError, match="no plan could mine a block"):
            _check_cooling_fits(cfg)


# -- optimize: the Sobol base sample is sobol_n points --------------------------------------------------------------


def _counted_linear():
    """f = 2 x0 + x1 on the unit square (first-order indices 0.8 and 0.2 by hand: variances 4/12 and 1/12), counting rows."""
    rows = []

    def evaluate(X):
        rows.append(len(X))
        return (2 * X[:, 0] + X[:, 1])[:, None]
    return evaluate, rows


@pytest.mark.parametrize("n", [600, 1000, 1024])
def test_sobol_indices_take_sobol_n_base_samples(n):
    """sobol_n=1000 evaluated 1024 x (d + 2) rows: 600, 800 and 1000 were one run, and a sweep of them one result."""
    from minectl.optimize.sensitivity import sobol_indices

    evaluate, rows = _counted_linear()
    first, total = sobol_indices(evaluate, [[0, 1], [0, 1]], n=n, seed=1)
    assert sum(rows) == n * (2 + 2)
    assert first[0] == pytest.approx([0.8, 0.2], abs=0.03) and total[0] == pytest.approx([0.8, 0.2], abs=0.03)


def test_sobol_n_values_of_a_sweep_give_their_own_indices():
    from minectl.optimize.sensitivity import sobol_indices

    first = [sobol_indices(_counted_linear()[0], [[0, 1], [0, 1]], n=n, seed=1)[0] for n in (600, 1000)]
    assert not np.array_equal(*first)


# -- capacity: settings of an input file not given ------------------------------------------------------------------


def _capacity(run: Path, *overrides: str) -> tuple[str, dict]:
    result = invoke("capacity", *overrides, "report=false", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split()), json.loads((run / "metrics.json").read_text())


def test_settings_of_a_file_not_given_are_said_and_change_no_figure(tmp_path):
    """rolling.last=24, revenue.dead_band=0.02, cost_data.item_columns and key_factors without their files: the same
    figures as without them (44.8 / 22.26 Mt/a limits of the seed's case), exit 0, not a word."""
    plain, base = _capacity(tmp_path / "plain")
    assert "warning" not in plain
    output, metrics = _capacity(tmp_path / "unread", "rolling.last=24", "revenue.dead_band=0.02", "cost_data.item_columns=[a,b]",
                                "key_factors=5", "cobweb.price_column=p")
    for setting, needs in (("rolling.last=24", "rolling.path"), ("revenue.dead_band=0.02", "rolling.path"),
                           ("cost_data.item_columns=[a,b]", "cost_data.path"),
                           ("key_factors=5", "cost_data.path and cost_data.item_columns (the PCA)"),
                           ("cobweb.price_column=p", "cobweb.path")):
        assert f"warning: {setting} is read only with {needs}: not used by this run" in output
    assert metrics["capacity.optimal_mt_a"] == base["capacity.optimal_mt_a"]
    assert (round(metrics["capacity.limit.reserves_mt_a"], 1), round(metrics["capacity.limit.links_mt_a"], 2)) == (44.8, 22.26)


def test_rolling_settings_with_their_file_are_read_without_a_warning(tmp_path):
    prices = tmp_path / "prices.csv"
    prices.write_text("date,price\n" + "".join(f"2024-{m:02d}-01,{p}\n" for m, p in enumerate([300, 310, 305, 320, 330], 1)))
    output, metrics = _capacity(tmp_path / "run", f"rolling.path={prices}", "rolling.last=3", "revenue.dead_band=0.02")
    assert "warning" not in output
    assert metrics["capacity.rolling.months"] == 2  # the last 3 months: 2 moves
