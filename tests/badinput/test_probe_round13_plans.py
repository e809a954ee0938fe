"""Round 13 probes of `minectl schedule`, `minectl optimize` and `minectl capacity`: settings read by nothing or read
as another (the synthetic model's set by an experiment file beside minelib.path, the loop's, the stope's and a
forecast table's while they are off, a decision method spelt otherwise), designs too large to build, MineLib files
as other writers make them (empty resource sections with no resources, a solution line twice, a .blocks cell left
empty), and prices of 0 (the last of a decision's price path, a cobweb's). Each refusal has a near miss that still
runs and gives its figure (MineLib's published newman1 UPIT value, instances and markets solved by hand, the
decision recomputed from the run's own Pareto table).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused, invoke

ROOT = Path(__file__).resolve().parents[2]
NEWMAN1 = ROOT / "examples" / "data" / "minelib_newman1"
UPIT_VALUE = 26086899.02597  # MineLib's published 26,086,899 (newman1), as test_fuzz_plans


# -- the synthetic model's settings with minelib.path, set by a config file -----------------------------

def _experiment(folder: Path, schedule: str = "problems: [upit]", synthetic: str = "") -> Path:
    """A -cd folder whose experiment `mine` runs newman1's UPIT, its `schedule:` and `synthetic:` keys as given (YAML)."""
    (folder / "experiment").mkdir(parents=True)
    lines = ["# @package _global_", f"minelib: {{path: {NEWMAN1}, name: newman1, blocks_file: false}}",
             f"schedule: {{{schedule}}}", "loop: {enabled: false}", *([f"synthetic: {{{synthetic}}}"] if synthetic else [])]
    (folder / "experiment" / "mine.yaml").write_text("\n".join(lines) + "\n")
    return folder


@pytest.mark.parametrize("keys, shown", [({"schedule": "problems: [upit], periods: 3"}, "schedule.periods=3"),
                                         ({"synthetic": "nx: 4"}, "synthetic.nx=4")])
def test_a_synthetic_model_setting_in_an_experiment_file_with_a_minelib_instance_is_refused(keys, shown, tmp_path):
    # newman1 solved its own 6 periods, exit 0: only the command line's settings were looked at
    folder = _experiment(tmp_path / "conf", **keys)
    key = shown.split("=")[0]
    assert_refused(["schedule", "-cd", folder, "+experiment=mine", "report=false", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"error: {shown}: a setting of the synthetic block model, and minelib.path's instance has its own blocks, periods "
                   f"and resource limits, which the run uses; expected no {key} with minelib.path",
                   inputs=[folder], run_dir=tmp_path / "run")


def test_an_experiment_file_with_debug_quick_and_no_synthetic_setting_still_runs(tmp_path):
    # debug=quick's smaller model and 4 periods are not the user's: newman1's pit, the published value
    folder = _experiment(tmp_path / "conf")
    result = invoke("schedule", "-cd", folder, "+experiment=mine", "debug=quick", "report=false", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["schedule.upit.value"] == pytest.approx(UPIT_VALUE, abs=1e-6)


# -- a part's settings while it is off ---------------------------------------------------------------------

@pytest.mark.parametrize("switch, setting, what, on", [
    ("stope.enabled=false", "stope.grade_g_t=8", "the stope-extension example", "true"),
    ("loop.enabled=false", "loop.ventilation_capacity=0.5", "the loop (static vs ML-fed plans)", "true"),
    ("loop.ventilation=false", "loop.ventilation_capacity=0.5", "the loop's heat-constrained plans", "true"),
    ("price.forecast_table=null", "price.month=3", "a forecast table's price", "FILE")])
def test_a_setting_of_a_part_that_is_off_is_refused(switch, setting, what, on, tmp_path):
    # each ran the same plans as without it, exit 0
    key, switch_key = setting.split("=")[0], switch.split("=")[0]
    assert_refused(["schedule", "debug=quick", "schedule.problems=[upit]", switch, setting, f"hydra.run.dir={tmp_path / 'run'}"],
                   f"error: {setting}: a setting of {what}, which is off ({switch}); expected {switch_key}={on} with it, or no {key}",
                   run_dir=tmp_path / "run")


def test_a_stope_setting_with_the_stope_on_gives_its_value_by_hand(tmp_path):
    # seed 004's 1 x 20 x 3 m stope at SG 2.75 (165 t), here 8 g/t, 90 % recovered at US$2,000/oz, no costs
    run = tmp_path / "run"
    result = invoke("schedule", "+experiment=stope_extension", "debug=quick", "stope.grade_g_t=8", "stope.mining_cost_t=0",
                    "stope.processing_cost_t=0", "stope.development_cost_m=0", "report=false", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    net = json.loads((run / "metrics.json").read_text())["schedule.stope.net_value"]
    assert net == pytest.approx(165 * 8 / 31.1034768 * 0.9 * 2000, rel=1e-12)


# -- MineLib files ----------------------------------------------------------------------------------------

CPIT_NO_RESOURCES = "\n".join([  # 3 blocks, block 2 under 0 and 1, no resources: all in period 0, -1 + 2 + 3 = 4 by hand
    "NAME: t", "TYPE: CPIT", "NBLOCKS: 3", "NPERIODS: 2", "NRESOURCE_SIDE_CONSTRAINTS: 0", "DISCOUNT_RATE: 0.1",
    "RESOURCE_CONSTRAINT_LIMITS:", "OBJECTIVE_FUNCTION:", "0 -1", "1 2", "2 3", "RESOURCE_CONSTRAINT_COEFFICIENTS:", "EOF", ""])


def test_empty_resource_sections_of_an_instance_with_no_resources_are_read(tmp_path):
    # a writer that puts every tag in the file: was "found 'RESOURCE_CONSTRAINT_LIMITS:'; expected `OBJECTIVE_FUNCTION:`"
    from minectl.errors import DataError
    from minectl.schedule import minelib
    from minectl.schedule.cpit import solve_schedule

    (tmp_path / "t.cpit").write_text(CPIT_NO_RESOURCES)
    (tmp_path / "t.prec").write_text("0 0\n1 0\n2 2 0 1\n")
    result = solve_schedule(minelib.read_instance(tmp_path / "t.cpit", 3, "cpit"), minelib.read_prec(tmp_path / "t.prec"), time_limit=30)
    assert (result.value, result.solution.period.tolist()) == (pytest.approx(4.0, abs=1e-9), [0, 0, 0])
    (tmp_path / "u.cpit").write_text(CPIT_NO_RESOURCES.replace("COEFFICIENTS:\n", "COEFFICIENTS:\n0 0 1\n"))  # a count of 0, a use
    with pytest.raises(DataError, match=r"u\.cpit:13: a line of RESOURCE_CONSTRAINT_COEFFICIENTS; expected none \(the header's "
                                        r"NRESOURCE_SIDE_CONSTRAINTS: 0\)"):
        minelib.read_instance(tmp_path / "u.cpit")


def test_a_blocks_line_with_a_cell_missing_is_refused_and_tab_separated_blocks_are_read(tmp_path):
    # `2<tab>0<tab><tab>1`: the empty cell collapsed, and block 2 sat at y 1, z 1.5 (its tonnes) in blocks.parquet, exit 0
    from minectl.errors import DataError
    from minectl.schedule import minelib

    rows = ["0\t0\t0\t0\t1.5\tFRWS", "1\t1\t0\t0\t1.5\tOXOR", "2\t0\t\t1\t1.5\tFROR"]
    (tmp_path / "t.blocks").write_text("\r\n".join(rows) + "\r\n")
    with pytest.raises(DataError, match=r"t\.blocks:3: 5 fields where line 1 has 6; expected the same columns on every line"):
        minelib.read_blocks(tmp_path / "t.blocks", 3)
    (tmp_path / "t.blocks").write_text("\r\n".join([*rows[:2], "2\t0\t0\t1\t1.5\tFROR"]) + "\r\n")
    ids, xyz, extra = minelib.read_blocks(tmp_path / "t.blocks", 3)
    assert (ids.tolist(), xyz.tolist(), extra[2]) == ([0, 1, 2], [[0, 0, 0], [1, 0, 0], [0, 0, 1]], ["1.5", "FROR"])


PCPSP_TWO_DESTINATIONS = "\n".join([  # 2 blocks, 1 under 0; no resources; block values to destinations 0 and 1
    "NAME: t", "TYPE: PCPSP", "NBLOCKS: 2", "NPERIODS: 2", "NDESTINATIONS: 2", "NRESOURCE_SIDE_CONSTRAINTS: 0",
    "NGENERAL_SIDE_CONSTRAINTS: 0", "DISCOUNT_RATE: 0.25", "OBJECTIVE_FUNCTION:", "0 -2 -1", "1 8 4", "EOF", ""])


@pytest.mark.parametrize("kind, text, expect", [
    ("upit", "0\n2\n0\n", r"s\.sol:3: block 0 listed twice; expected each block once$"),  # was: no line named
    ("cpit", "0 1\n1 0\n0 1\n", r"s\.sol:3: block 0 listed twice; expected each block once$"),  # was: shares summed to 2
    ("pcpsp", "0 0 0 1\n1 0 1 0.25\n1 1 1 0.75\n1 1 1 0.75\n",
     r"s\.sol:4: block 1 destination 1 listed twice; expected each block once per destination")])
def test_a_solution_line_given_twice_is_refused_naming_it(kind, text, expect, tmp_path):
    from minectl.errors import DataError
    from minectl.schedule import minelib

    files = {"upit": "NAME: t\nTYPE: UPIT\nNBLOCKS: 3\nOBJECTIVE_FUNCTION:\n0 -1\n1 2\n2 3\n", "cpit": CPIT_NO_RESOURCES,
             "pcpsp": PCPSP_TWO_DESTINATIONS}
    (tmp_path / f"t.{kind}").write_text(files[kind])
    (tmp_path / "s.sol").write_text(text)
    with pytest.raises(DataError, match=expect):
        minelib.read_solution(tmp_path / "s.sol", minelib.read_instance(tmp_path / f"t.{kind}"))


def test_a_block_split_between_destinations_verifies_to_its_value_by_hand(tmp_path):
    # block 0 to destination 0 in period 0 (-2); block 1 a quarter to 0, three quarters to 1 in period 1: (2 + 3) / 1.25 = 4
    from minectl.schedule import minelib
    from minectl.schedule.verify import verify

    (tmp_path / "t.pcpsp").write_text(PCPSP_TWO_DESTINATIONS)
    (tmp_path / "s.sol").write_text("0 0 0 1\n1 0 1 0.25\n1 1 1 0.75\n")
    instance = minelib.read_instance(tmp_path / "t.pcpsp")
    verdict = verify(instance, minelib.Precedence.from_arcs(2, np.array([1]), np.array([0])),
                     minelib.read_solution(tmp_path / "s.sol", instance))
    assert (verdict.feasible, verdict.npv, verdict.blocks) == (True, pytest.approx(-2 + 5 / 1.25, abs=1e-12), 2)


# -- optimize: the decision's scalarisation -----------------------------------------------------------------

def test_a_decision_method_of_another_name_is_refused(tmp_path):
    # `weighted` ran as weighted_sum, unsaid: a 22.6 m pillar and 68,623 t where the default picks 25.0 m and 63,144 t
    assert_refused(["optimize", "debug=quick", "optimize.decision.method=weighted", f"hydra.run.dir={tmp_path / 'run'}"],
                   "error: optimize.decision.method='weighted'; expected one of tchebycheff, weighted_sum", run_dir=tmp_path / "run")


def _prices(path: Path, last: str) -> Path:
    path.write_text(f"date,forecast\n2024-01-01,390\n2024-02-01,395\n2024-03-01,{last}\n")
    return path


def test_a_price_path_ending_in_0_is_refused(tmp_path):
    # 390, 395, 0: decided at price 0, stability first (ore weight 0.2 where 395 gives 0.58), exit 0
    path = _prices(tmp_path / "prices.csv", "0")
    assert_refused(["optimize", "debug=quick", f"optimize.decision.price_path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"error: {path}: the last price in column 'forecast' is 0; expected the latest price (a month without one: leave "
                   "its cell empty, and the price before it is used)", inputs=[path], run_dir=tmp_path / "run")


def test_the_weighted_sum_at_the_last_published_price_picks_the_front_point_of_least_weighted_sum(tmp_path):
    # the empty last month: 395 decides; in the band 300-450 the weights are 0.8 - 0.6 x 95/150 = 0.42 (subsidence), 0.58 (ore)
    run = tmp_path / "run"
    result = invoke("optimize", "debug=quick", "report=false", "optimize.decision.method=weighted_sum",
                    f"optimize.decision.price_path={_prices(tmp_path / 'prices.csv', '')}", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    front = pl.read_parquet(run / "tables" / "pareto.parquet")
    F = np.column_stack([front["subsidence_cm_pred"], -front["ore_t_pred"]])  # both minimised
    scores = ((F - F.min(axis=0)) / np.ptp(F, axis=0)) @ np.array([0.42, 0.58])
    metrics = json.loads((run / "metrics.json").read_text())
    assert (metrics["decision.price"], metrics["decision.score"]) == (395, pytest.approx(scores.min(), rel=1e-9))
    assert front["recommended"].to_list() == (np.arange(len(F)) == np.argmin(scores)).tolist()


@pytest.mark.parametrize("override, expect", [
    # sobol_n=1e12: a MemoryError traceback after the solves; 1e5 x 1e5 levels: the kernel's OOM killer (exit 137)
    ("optimize.sensitivity.sobol_n=1000000000000", "optimize.sensitivity.sobol_n: 1,000,000,000,000 Sobol base samples, built "
                                                   "at once; expected at most 1,000,000"),
    ("optimizer.pop_size=10001", "optimizer.pop_size: 10,001 designs a generation, which NSGA-II ranks pairwise; expected at "
                                 "most 10,000"),
    ("doe.levels.sidewall_thickness_m=1001", "doe.levels: 1,001,000 runs, built and simulated at once; expected at most 1,000,000")])
def test_a_design_too_large_to_build_is_refused_before_any_job(override, expect, tmp_path):
    levels = ["doe.levels.pillar_height_m=1000"] if override.startswith("doe.levels") else []
    assert_refused(["optimize", *levels, override, f"hydra.run.dir={tmp_path / 'run'}"], f"error: {expect}", run_dir=tmp_path / "run")


def test_a_design_at_the_bounds_is_accepted():
    result = invoke("optimize", "--cfg", "job", "optimizer.pop_size=10000", "optimize.sensitivity.sobol_n=1000000",
                    "doe.levels.pillar_height_m=1000", "doe.levels.sidewall_thickness_m=1000")
    assert result.exit_code == 0, result.output
    assert "pop_size: 10000" in result.output and "sobol_n: 1000000" in result.output


# -- capacity: the cobweb's prices --------------------------------------------------------------------------

def _market(first_output: float = 220.0, months: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """A cobweb market by hand: Q_t = 100 + 0.5 P_(t-1), P_t = 500 - Q_t (stable, |b1 b2| = 0.5)."""
    q, p = [first_output], [500 - first_output]
    for _ in range(months - 1):
        q.append(100 + 0.5 * p[-1])
        p.append(500 - q[-1])
    return np.array(q), np.array(p)


def test_a_cobweb_price_of_0_is_refused_and_a_market_is_fitted_exactly(tmp_path):
    from minectl.capacity.curves import fit_cobweb
    from minectl.errors import DataError

    q, p = _market()
    fit = fit_cobweb(q, p)
    assert (fit.a1, fit.b1, fit.a2, fit.b2) == pytest.approx((100, 0.5, 500, -1), abs=1e-9)
    p[2] = 0  # a blank cell exported as 0: was fitted (a1 1,373 -> 89 on a 12-month series), exit 0
    with pytest.raises(DataError, match=r"1 prices of 0 \(the first at value 3 of 8\); expected each period's market price, > 0"):
        fit_cobweb(q, p)
    path = tmp_path / "cobweb.csv"
    path.write_text("output,price\n" + "".join(f"{a},{b}\n" for a, b in zip(q, p, strict=True)))
    assert_refused(["capacity", f"cobweb.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "error: cobweb.price_column: 1 prices of 0 (the first at value 3 of 8)", inputs=[path], run_dir=tmp_path / "run")


def test_a_discount_rate_of_one_is_refused_as_minelib_refuses_it(tmp_path):
    """schedule.discount_rate=1 (100 % a period: each period's cash flow halved) passed for the synthetic model while a
    MineLib file's DISCOUNT_RATE of 1 is refused as outside [0, 1); now both the same, 0.99 still read."""
    assert_refused(["schedule", "schedule.discount_rate=1", f"hydra.run.dir={tmp_path / 'run'}"],
                   "schedule.discount_rate=1.0 is out of range; expected a number in [0, 1)")
    result = invoke("schedule", "schedule.discount_rate=0.99", "--cfg", "job")
    assert result.exit_code == 0 and "discount_rate: 0.99" in result.output, result.output
