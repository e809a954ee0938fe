"""Bad-input corpus: inputs a mine planner gives `minectl schedule` (MineLib instances with
lower and interval limits, rates, names), `minectl optimize` (tables of simulator runs) and
`minectl factors` (entity names, embedding sizes). Each case once passed with a wrong number,
crashed with a traceback or said the wrong thing; the values are checked by brute force, by
scikit-learn's KFold or against the ASCII names as they were read before.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused, partial_results
from sklearn.model_selection import KFold
from typer.testing import CliRunner

from minectl.cli import app
from minectl.errors import ConfigError
from minectl.optimize.doe import min_runs
from minectl.optimize.simulator import ProbabilityIntegralSimulator
from minectl.schedule import minelib

ROOT = Path(__file__).resolve().parents[2]

# -- schedule: a 6-block, 2-level pit (4 and 5 under two blocks each), 3 periods, tonnes 1 and 2 -----

PREDS = [[], [], [], [], [0, 1], [2, 3]]
VALUES = [-2, -1, -3, 1, 10, 6]
TONNES = [1, 1, 1, 1, 2, 2]
RATE = 0.1


def _cpit(limits: list[tuple], periods: int = 3, coefficients: list[tuple] | None = None, rate: str = "0.1") -> str:
    """A CPIT file; ``limits``: (resource, period, L|G|I, value[, value]); coefficients default to tonnes."""
    coefficients = coefficients or [(b, 0, t) for b, t in enumerate(TONNES)]
    resources = len({limit[0] for limit in limits})
    return "\n".join([
        "NAME: t", "TYPE: CPIT", f"NBLOCKS: {len(VALUES)}", f"NPERIODS: {periods}", f"NRESOURCE_SIDE_CONSTRAINTS: {resources}",
        f"DISCOUNT_RATE: {rate}", "RESOURCE_CONSTRAINT_LIMITS:", *(" ".join(map(str, limit)) for limit in limits),
        "OBJECTIVE_FUNCTION:", *(f"{b} {v}" for b, v in enumerate(VALUES)),
        "RESOURCE_CONSTRAINT_COEFFICIENTS:", *(" ".join(map(str, c)) for c in coefficients), "EOF", ""])


def _folder(path: Path, cpit: str) -> Path:
    path.mkdir()
    (path / "t.prec").write_text("".join(f"{b} {len(p)} {' '.join(map(str, p))}".rstrip() + "\n" for b, p in enumerate(PREDS)))
    (path / "t.cpit").write_text(cpit)
    return path


def _brute_force(limits: list[tuple], periods: int = 3, use: list[list[float]] | None = None) -> float:
    """The best NPV over every assignment of a period (or none) to each block; -inf when none is feasible."""
    use = use or [TONNES]
    low = np.full((len(use), periods), -np.inf)
    high = np.full((len(use), periods), np.inf)
    for r, t, kind, *bound in limits:
        low[r, t], high[r, t] = {"L": (-np.inf, bound[0]), "G": (bound[0], np.inf), "I": tuple(bound)}[kind]
    best = -np.inf
    for when in itertools.product(range(-1, periods), repeat=len(VALUES)):
        if any(when[b] >= 0 and any(when[p] < 0 or when[p] > when[b] for p in PREDS[b]) for b in range(len(VALUES))):
            continue
        amounts = np.array([[sum(u[b] for b in range(len(VALUES)) if when[b] == t) for t in range(periods)] for u in use])
        if np.all(amounts >= low - 1e-9) and np.all(amounts <= high + 1e-9):
            best = max(best, sum(VALUES[b] / (1 + RATE) ** when[b] for b in range(len(VALUES)) if when[b] >= 0))
    return best


def _schedule(folder: Path, run_dir: Path, *extra: str) -> list[str]:
    return ["schedule", f"minelib.path={folder}", "minelib.name=t", "minelib.blocks_file=false", "schedule.problems=[cpit]",
            "loop.enabled=false", "report=false", f"hydra.run.dir={run_dir}", *extra]


@pytest.mark.parametrize("limits", [[(0, 0, "L", 4), (0, 1, "L", 4), (0, 2, "G", 1)],  # TopoSort finds nothing feasible
                                    [(0, t, "I", 2, 3) for t in range(3)], [(0, 0, "L", 2), (0, 1, "G", 2), (0, 2, "G", 3)]])
def test_lower_and_interval_limits_give_the_brute_force_optimum(limits, tmp_path):
    from minectl.schedule.cpit import solve_schedule

    folder = _folder(tmp_path / "ml", _cpit(limits))  # not packing: no reductions
    result = solve_schedule(minelib.read_instance(folder / "t.cpit"), minelib.read_prec(folder / "t.prec"), whole_mip=True)
    assert result.feasible and result.value == pytest.approx(_brute_force(limits), rel=1e-9)


INFEASIBLE = {  # limits no schedule meets, each once reported as an NPV (an infeasible schedule's) with exit 0
    "lower limits above the whole pit's tonnes": ([(0, t, "G", 4) for t in range(3)], None,
                                                 "resource 0: lower limits summing to 12 over the 3 periods, but mining every block uses at most 8"),
    "at most 2 and at least 3 in period 0 (LP infeasible)": ([(0, 0, "L", 2), (0, 1, "L", 9), (1, 0, "G", 3), (1, 1, "L", 9)],
                                                              [(b, r, 1) for b in range(6) for r in range(2)],
                                                              "no schedule meets the resource limits (their LP relaxation is infeasible)"),
    # 3 t: a block fits a period (1 t, which none fits, is refused before the solver: the schedule would mine nothing)
    "exactly 3 t a period of 2 t blocks (MIP infeasible)": ([(0, t, "I", 3, 3) for t in range(2)], [(b, 0, 2) for b in range(6)],
                                                             "no schedule meets the resource limits (the MIP is infeasible)"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", INFEASIBLE)
def test_limits_no_schedule_meets_are_refused(case, tmp_path):
    limits, coefficients, expect = INFEASIBLE[case]
    periods = 1 + max(limit[1] for limit in limits)
    use = None if coefficients is None else [[next((v for b2, r2, v in coefficients if (b2, r2) == (b, r)), 0) for b in range(6)]
                                             for r in range(1 + max(c[1] for c in coefficients))]
    assert _brute_force(limits, periods, use) == -np.inf  # the independent check: nothing is feasible
    folder = _folder(tmp_path / "ml", _cpit(limits, periods, coefficients))
    # as a user runs it once: HiGHS' banner, printed by C code, was two more lines of the output
    assert_refused(_schedule(folder, tmp_path / "run"), [f"{folder / 't.cpit'}: ", expect], inputs=[folder], run_dir=tmp_path / "run",
                   in_process="LP infeasible" not in case)


@pytest.mark.parametrize("scale", [1e-9, 1e-12])
def test_a_schedule_of_values_in_billions_is_the_brute_force_schedule(scale, tmp_path):
    from minectl.schedule.cpit import solve_schedule

    limits = [(0, t, "L", 3) for t in range(3)]
    folder = _folder(tmp_path / "ml", _cpit(limits))
    text = (folder / "t.cpit").read_text().split("OBJECTIVE_FUNCTION:\n")
    rows = text[1].split("RESOURCE_CONSTRAINT_COEFFICIENTS:\n")
    values = "".join(f"{b} {v * scale!r}\n" for b, v in enumerate(VALUES))
    (folder / "t.cpit").write_text(text[0] + "OBJECTIVE_FUNCTION:\n" + values + "RESOURCE_CONSTRAINT_COEFFICIENTS:\n" + rows[1])
    instance, prec = minelib.read_instance(folder / "t.cpit"), minelib.read_prec(folder / "t.prec")
    result = solve_schedule(instance, prec)
    # HiGHS took costs below 1e-9 as 0: 36 % of the optimum at 1e-9, 10 % at 1e-12, with a bound of 0
    assert result.feasible and result.value == pytest.approx(_brute_force(limits) * scale, rel=1e-9)
    assert result.bound == pytest.approx(result.value, rel=1e-9)


def test_a_missing_period_limit_is_named_as_such(tmp_path):
    folder = _folder(tmp_path / "ml", _cpit([(0, 0, "L", 3), (0, 1, "L", 3)], periods=3))  # was: 'OBJECTIVE_FUNCTION:' is no limit
    assert_refused(_schedule(folder, tmp_path / "run"), "t.cpit: 2 resource limit lines; expected 3 (one per resource and period: 1 x 3)",
                   inputs=[folder], run_dir=tmp_path / "run")


def test_a_discount_rate_in_percent_is_refused(tmp_path):
    folder = _folder(tmp_path / "ml", _cpit([(0, t, "L", 3) for t in range(3)], rate="8"))  # meant 8 %, read as 800 % a period
    assert_refused(_schedule(folder, tmp_path / "run"), "t.cpit: DISCOUNT_RATE '8'; expected a fraction per period in [0, 1) (0.08 for 8 %)",
                   inputs=[folder], run_dir=tmp_path / "run")


def test_indented_comment_lines_are_skipped_in_every_minelib_file(tmp_path):
    text = _cpit([(0, t, "L", 3) for t in range(3)])
    plain = _folder(tmp_path / "plain", text)
    indented = _folder(tmp_path / "indented", text.replace("OBJECTIVE_FUNCTION:\n", "OBJECTIVE_FUNCTION:\n  % values in USD\n\t% tab\n"))
    a, b = (minelib.read_instance(folder / "t.cpit") for folder in (plain, indented))
    assert b.objective.ravel().tolist() == a.objective.ravel().tolist() == VALUES
    (indented / "t.blocks").write_text("  % id x y z\n" + "".join(f"{i} {i} 0 0\n" for i in range(6)))
    assert minelib.read_blocks(indented / "t.blocks")[1][:, 0].tolist() == [0, 1, 2, 3, 4, 5]


def test_a_pcpsp_of_one_destination_is_read_in_minelibs_four_column_form(tmp_path):
    # MineLib's PCPSP coefficients are `block destination resource value` whatever the destinations;
    # with one destination they were refused ("4 fields; expected 3"), minectl's own files included
    instance = minelib.Instance("one", "PCPSP", np.array([[5.0], [-1.5]]), 2, 0.1, np.array([[[2.0], [3.0]]]),
                                np.full((1, 2), -np.inf), np.array([[4.0, 4.0]]))
    path = minelib.write_instance(tmp_path / "one.pcpsp", instance)
    assert "0 0 0 2\n1 0 0 3\n" in path.read_text()
    read = minelib.read_instance(path)
    assert read.coef.ravel().tolist() == [2.0, 3.0] and read.objective.ravel().tolist() == [5.0, -1.5]
    (tmp_path / "cpit.cpit").write_text(path.read_text().replace("PCPSP", "CPIT").replace("NDESTINATIONS: 1\n", "").replace(
        "NGENERAL_SIDE_CONSTRAINTS: 0\n", ""))
    with pytest.raises(minelib.DataError, match="4 fields; expected 3"):  # CPIT keeps `block resource value`
        minelib.read_instance(tmp_path / "cpit.cpit")


def test_a_file_named_like_a_minelib_instance_is_not_judged_by_its_published_value(tmp_path):
    folder = _folder(tmp_path / "ml", "")
    for suffix in ("prec",):
        (folder / f"t.{suffix}").rename(folder / f"newman1.{suffix}")
    (folder / "newman1.upit").write_text("NAME: newman1\nTYPE: UPIT\nNBLOCKS: 6\nOBJECTIVE_FUNCTION:\n"
                                         + "".join(f"{b} {v}\n" for b, v in enumerate(VALUES)))
    run_dir = tmp_path / "run"
    result = CliRunner().invoke(app, ["schedule", f"minelib.path={folder}", "minelib.blocks_file=false", "schedule.problems=[upit]",
                                      "loop.enabled=false", "report=false", f"hydra.run.dir={run_dir}"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["schedule.upit.value"] == 11.0  # every block: 10 + 6 + 1 - 2 - 1 - 3
    assert "schedule.upit.best_known" not in metrics  # was 26,086,899 (-100.00 %)
    assert "this newman1 has 6 blocks, where MineLib's newman1 has 1,060" in " ".join(result.output.split())
    newman1 = Path(__file__).resolve().parents[2] / "examples" / "data" / "minelib_newman1"  # the published one, by another case
    prec = minelib.read_prec(newman1 / "newman1.prec")
    upit = minelib.read_instance(newman1 / "newman1.upit", prec.n_blocks, "upit")
    assert minelib.published_best("Newman1", "upit", upit, prec) == (26_086_899, None)


@pytest.mark.parametrize("scale", [1.0, 1e-6, 1e-12, 1e-20])
def test_the_ultimate_pit_of_values_in_millions_or_billions_is_the_brute_force_pit(scale):
    from minectl.schedule.upit import max_closure

    values = np.array([-2.0, -1.0, -3.0, 1.0, 10.0, 6.5]) * scale
    blocks, preds = zip(*[(b, p) for b, ps in enumerate(PREDS) for p in ps], strict=True)
    pit = max_closure(values, minelib.Precedence.from_arcs(6, np.array(blocks), np.array(preds)))
    closed = [s for s in itertools.product([0, 1], repeat=6) if all(s[p] for b in range(6) if s[b] for p in PREDS[b])]
    best = max(closed, key=lambda s: (round(float(np.dot(s, values)) / scale, 9), -sum(s)))  # of equal pits the smallest
    assert pit.in_pit.astype(int).tolist() == list(best) == [1, 1, 1, 1, 1, 1]  # at 1e-12 it was empty: every value read as 0
    assert pit.value == pytest.approx(11.5 * scale, rel=1e-12) and pit.exact


def test_a_forecast_shorter_than_the_horizon_is_refused_before_any_work(tmp_path):
    table = tmp_path / "forecast.parquet"
    pl.DataFrame({"model": ["naive"] * 3, "forecast": [2100.0, 2200.0, 2150.0], "lower": [1800.0] * 3,
                  "upper": [2400.0] * 3}).write_parquet(table)  # the re-plan was silently skipped
    run_dir = tmp_path / "run"
    assert_refused(["schedule", "debug=quick", "schedule.problems=[]", f"price.forecast_table={table}", "price.month=2",
                    f"hydra.run.dir={run_dir}"],
                   ["price.forecast_table:", "2 months of naive from price.month=2", "expected one per period"],
                   inputs=[table], run_dir=run_dir)


def test_a_price_path_of_another_length_than_the_horizon_is_refused(tmp_path):
    # two prices for four periods re-planned over two periods, next to a four-period loop, without a word
    assert_refused(["schedule", "debug=quick", "schedule.problems=[]", "loop.price_path=[1,0.6]", f"hydra.run.dir={tmp_path / 'run'}"],
                   "loop.price_path: 2 prices; expected one per period (schedule.periods=4)", run_dir=tmp_path / "run")


# -- optimize: tables of simulator runs ----------------------------------------------------------------

def _runs(path: Path, n: int = 12, change=None) -> Path:
    """``n`` closed-form simulator runs over the default bounds; ``change`` edits the frame."""
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(18, 25, n), rng.uniform(0.5, 3.0, n)])
    Y = ProbabilityIntegralSimulator().evaluate(X)
    frame = pl.DataFrame({"pillar_height_m": X[:, 0], "sidewall_thickness_m": X[:, 1], "subsidence_cm": Y[:, 0], "ore_t": Y[:, 1]})
    (change(frame) if change else frame).write_csv(path)
    return path


def _set(column: str, row: int, value: float):
    return lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) == row).then(value).otherwise(pl.col(column)).alias(column))


RUN_TABLES = {  # each passed: out of bounds and repeats silently, the rest with another or no message
    "one run outside the bounds": (_set("pillar_height_m", 3, 40.0),
                                   "run 4 has pillar_height_m = 40, outside optimize.variables.pillar_height_m [18, 25] (1 runs outside)"),
    "pillar heights in mm": (lambda f: f.with_columns(pl.col("pillar_height_m") * 1000),
                             "outside optimize.variables.pillar_height_m [18, 25] (12 runs outside)"),
    "every run twice": (lambda f: pl.concat([f, f]), "run 13 repeats the design of run 1; expected each design once"),
    "a constant objective": (lambda f: f.with_columns(subsidence_cm=pl.lit(5.0)), "response 'subsidence_cm' is 5 in every run"),
    "a variable never varied": (lambda f: f.with_columns(pillar_height_m=pl.lit(20.0)), "variable 'pillar_height_m' is 20 in every run"),
    "fewer runs than CV needs": (lambda f: f.head(6), "6 complete runs for 2 variables; expected at least 10 (surrogate.cv_folds=5"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", RUN_TABLES)
def test_simulator_tables_a_surrogate_cannot_honestly_learn_are_refused(case, tmp_path):
    change, expect = RUN_TABLES[case]
    path = _runs(tmp_path / "runs.csv", change=change)
    run_dir = tmp_path / "run"
    assert_refused(["optimize", "debug=quick", "simulator=table", f"simulator.path={path}", f"hydra.run.dir={run_dir}"],
                   [f"{path}: ", expect], inputs=[path], run_dir=run_dir)


NAMES = {  # each ended in a polars traceback
    "two file columns renamed to one name": (lambda f: f.with_columns(Hp=pl.col("pillar_height_m")), ["+simulator.columns.Hp=pillar_height_m"],
                                             "simulator.columns renames a column to 'pillar_height_m', which another column already is"),
    "a response listed twice": (None, ["simulator.responses=[ore_t,ore_t,subsidence_cm]"],
                                "simulator.responses: 'ore_t' is named twice among optimize.variables and simulator.responses"),
    "a variable as a response": (None, ["simulator.responses=[ore_t,subsidence_cm,pillar_height_m]"], "'pillar_height_m' is named twice"),
}


@pytest.mark.parametrize("case", NAMES)
def test_a_column_named_twice_is_refused(case, tmp_path):
    change, extra, expect = NAMES[case]
    path = _runs(tmp_path / "runs.csv", change=change)
    run_dir = tmp_path / "run"
    assert_refused(["optimize", "debug=quick", "simulator=table", f"simulator.path={path}", *extra, f"hydra.run.dir={run_dir}"],
                   expect, inputs=[path], run_dir=run_dir)


def test_run_numbers_count_rows_of_the_file_when_incomplete_runs_are_dropped(tmp_path):
    path = _runs(tmp_path / "runs.csv", n=14, change=lambda f: _set("pillar_height_m", 5, 30.0)(_set("ore_t", 1, None)(f)))
    assert_refused(["optimize", "debug=quick", "simulator=table", f"simulator.path={path}", "simulator.drop_incomplete=true",
                    f"hydra.run.dir={tmp_path / 'run'}"], "run 6 has pillar_height_m = 30", inputs=[path], run_dir=tmp_path / "run")


def test_too_few_runs_for_the_held_out_share_or_the_doe_are_refused(tmp_path):
    path = _runs(tmp_path / "runs.csv", n=12)  # 0.95 of 12 leaves one held-out run: R^2 was NaN and dropped
    assert_refused(["optimize", "debug=quick", "simulator=table", f"simulator.path={path}", "optimize.robustness.train_share=0.95",
                    f"hydra.run.dir={tmp_path / 'r1'}"],
                   "optimize.robustness.train_share=0.95 leaves 11 training and 1 held-out runs of 12; expected >= 3 and >= 2",
                   run_dir=tmp_path / "r1")
    assert_refused(["optimize", "debug=quick", "doe=lhs", "doe.n=6", f"hydra.run.dir={tmp_path / 'r2'}"],
                   "doe: 6 runs for 2 variables; expected at least 10", run_dir=tmp_path / "r2")


def test_a_field_check_outside_the_bounds_is_refused(tmp_path):
    # the surrogate predicted 9.9 cm at a 40 m pillar (the box is 18-25 m; the simulator gives 3.6 cm)
    # and a 70 % deviation was reported as the surrogate's field error
    assert ProbabilityIntegralSimulator().evaluate([[40.0, 1.0]])[0, 0] == pytest.approx(3.602, abs=1e-3)
    assert_refused(["optimize", "debug=quick", f"hydra.run.dir={tmp_path / 'run'}",
                    "optimize.field_validation=[{design: {pillar_height_m: 40, sidewall_thickness_m: 1}, measured: {subsidence_cm: 11.0}}]"],
                   "optimize.field_validation[0].design.pillar_height_m=40 lies outside optimize.variables.pillar_height_m [18, 25]",
                   run_dir=tmp_path / "run")


def test_mape_of_a_response_with_a_zero_is_left_out_not_reported_as_trillions():
    from minectl.optimize.surrogate import regression_metrics

    assert regression_metrics([2.0, 4.0], [1.0, 5.0])["mape"] == pytest.approx((0.5 + 0.25) / 2)  # by hand
    with_zero = regression_metrics([0.0, 4.0, 2.0], [0.1, 5.0, 2.0])  # was 1.5e14: 0.1 over machine epsilon
    assert np.isnan(with_zero["mape"]) and with_zero["mae"] == pytest.approx(1.1 / 3)


@pytest.mark.parametrize("n_vars, folds", [(1, 2), (2, 5), (3, 2), (6, 3), (12, 10)])
def test_min_runs_is_the_fewest_runs_whose_kfold_tests_two_and_trains_on_more_than_the_variables(n_vars, folds):
    def fits(n: int) -> bool:
        splits = KFold(folds).split(np.zeros((n, 1)))
        return n >= folds and all(len(test) >= 2 and len(train) >= n_vars + 1 for train, test in splits)

    assert min_runs(n_vars, folds) == next(n for n in range(1, 500) if fits(n))


# -- factors: names in any script, embeddings too large --------------------------------------------

def test_entity_names_keep_letters_of_any_script(tmp_path):
    from minectl.factors.declared import load_declared, normalise_name

    path = tmp_path / "zh.csv"
    path.write_text("head,head_type,relation,tail,tail_type,weight,sign,unit,condition,cite\n"
                    "运输距离,Parameters,Positive,运输成本,Cost,,,,,t\n柴油消耗 (L),Fuel,Positive,运输成本,Cost,,,,,t\n"
                    "Förderstrecke,Parameters,Positive,transport_cost,Cost,,,,,t\nFärderstrecke,Parameters,Negative,transport_cost,Cost,,,,,t\n",
                    encoding="utf-8")  # was: 'an empty entity name' (CJK), one node f_rderstrecke declared twice (umlauts)
    knowledge = load_declared([path])
    assert {"运输距离", "柴油消耗", "运输成本", "förderstrecke", "färderstrecke"} <= set(knowledge.nodes)
    assert normalise_name("Transport distance (km)") == ("transport_distance", "km")
    assert normalise_name("Fo\u0308rderstrecke") == normalise_name("Förderstrecke")  # decomposed umlaut: one spelling
    # ASCII names normalise as before (the regex they were read with), so the declared graph is unchanged
    declared = (ROOT / "conf/factors/knowledge/open_pit_coal.yaml").read_text()
    for name in set(re.findall(r"[A-Za-z][A-Za-z0-9 _-]+", declared)):
        assert normalise_name(name)[0] == re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def test_a_declared_sign_against_its_relation_is_refused(tmp_path):
    from minectl.factors.declared import load_declared
    from minectl.factors.schema import Schema, check_graph
    from minectl.tasks.factors import ENTITY_TYPES, RELATION_TYPES

    # `a -Positive(-1)-> transport_cost` was ranked and explained as "a up -> transport_cost down"
    schema = Schema.from_config(ENTITY_TYPES, RELATION_TYPES)
    path = tmp_path / "signs.csv"
    for sign, relation in ((1, "Positive"), (-1, "Negative"), (-1, "Affect"), (-1, "Positive")):
        path.write_text("head,head_type,relation,tail,tail_type,weight,sign,unit,condition,cite\n"
                        f"haul road grade,Parameters,{relation},transport_cost,Cost,,{sign},,,site survey\n")
        knowledge = load_declared([path])
        if (sign, relation) != (-1, "Positive"):
            check_graph(knowledge.nodes, knowledge.edges, schema)  # the relation's own sign, or a relation without one
    with pytest.raises(minelib.DataError, match=r"haul_road_grade -Positive-> transport_cost \(site survey\): sign -1 against "
                                                r"Positive's own \+1; expected \+1 or no sign"):
        check_graph(knowledge.nodes, knowledge.edges, schema)


def test_embeddings_too_large_for_memory_are_refused_naming_the_model(tmp_path):
    from minectl.factors.kge.data import index_splits
    from minectl.factors.link_prediction import run_link_prediction

    triples = [(f"e{i}", "r", f"e{(i + 1) % 6}") for i in range(6)]
    splits = index_splits(triples[:4], triples[4:5], triples[5:])
    with pytest.raises(ConfigError, match=r"6 entities and 1 relations at dim 100,000,000,000 do not fit in memory") as caught:
        run_link_prediction(splits, {"transe": {"model": "transe", "dim": 10**11}}, seed=0, max_epochs=1, device="cpu")
    assert caught.value.params == ("factors.kge.estimators.transe",)
    assert not partial_results(tmp_path)
