"""Round 11 probes of `minectl schedule` and `minectl optimize` with what other users bring: MineLib
folders as downloaded (gzipped files, another instance's name, other capitals) and instance files
with a limit line for a period the header does not have. Each once said only "not found" or named
the wrong thing; the near misses show the valid inputs of the same shape still give their figures
(checked by brute force).
"""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import pytest
from harness import assert_refused, invoke

ROOT = Path(__file__).resolve().parents[2]
NEWMAN1 = ROOT / "examples" / "data" / "minelib_newman1"
UPIT_VALUE = 26086899.02597  # MineLib's published 26,086,899 (newman1, 1,059 blocks), as test_fuzz_plans

# -- MineLib folders as users have them ------------------------------------------------------------


def _upit_args(folder: Path, run_dir: Path, *extra: str) -> list[str]:
    return ["schedule", f"minelib.path={folder}", "schedule.problems=[upit]", "loop.enabled=false", "report=false",
            f"hydra.run.dir={run_dir}", *extra]


def _copy(tmp_path: Path, rename=lambda name: name) -> Path:
    folder = tmp_path / "minelib"
    folder.mkdir()
    for name in ("newman1.prec", "newman1.upit", "newman1.blocks"):
        shutil.copyfile(NEWMAN1 / name, folder / rename(name))
    return folder


@pytest.mark.parametrize("stem", ["Newman1", "kd"])
def test_a_folder_of_another_name_says_which_name_it_has(stem, tmp_path):
    # minelib.name defaults to newman1: a folder of kd files, or of Newman1.*, was "newman1.prec: not found"
    folder = _copy(tmp_path, lambda name: name.replace("newman1", stem))
    assert_refused(_upit_args(folder, tmp_path / "run"),
                   f"newman1.prec: not found; expected the precedence file of minelib.name=newman1 in minelib.path; the folder "
                   f"has {stem}.prec: set minelib.name to its name", inputs=[folder], run_dir=tmp_path / "run")
    result = invoke(*_upit_args(folder, tmp_path / "ok", f"minelib.name={stem}"))
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "ok" / "metrics.json").read_text())["schedule.upit.value"] == pytest.approx(UPIT_VALUE, abs=1e-6)


def test_a_missing_instance_or_block_file_names_what_it_is_for(tmp_path):
    folder = _copy(tmp_path)
    (folder / "newman1.blocks").unlink()
    assert_refused(_upit_args(folder, tmp_path / "r1"), "newman1.blocks: not found; expected the block coordinates "
                   "(minelib.blocks_file=false: none) of minelib.name=newman1", inputs=[folder], run_dir=tmp_path / "r1")
    assert_refused(_upit_args(folder, tmp_path / "r2", "schedule.problems=[cpit]", "minelib.blocks_file=false"),
                   "newman1.cpit: not found; expected the cpit instance (schedule.problems names it) of minelib.name=newman1; "
                   "the folder has newman1.upit"[:80], inputs=[folder], run_dir=tmp_path / "r2")


# -- a limit line for a period the header does not have ---------------------------------------------

PREDS = [[], [], [0, 1]]  # block 2 under blocks 0 and 1
VALUES = [-1, 2, 3]
RATE = 0.1


def _cpit(limits: list[str]) -> str:
    return "\n".join(["NAME: t", "TYPE: CPIT", "NBLOCKS: 3", "NPERIODS: 2", "NRESOURCE_SIDE_CONSTRAINTS: 1", f"DISCOUNT_RATE: {RATE}",
                      "RESOURCE_CONSTRAINT_LIMITS:", *limits, "OBJECTIVE_FUNCTION:", *(f"{b} {v}" for b, v in enumerate(VALUES)),
                      "RESOURCE_CONSTRAINT_COEFFICIENTS:", "0 0 1", "1 0 1", "2 0 1", "EOF", ""])


def _cpit_folder(path: Path, limits: list[str]) -> Path:
    path.mkdir()
    (path / "t.prec").write_text("".join(f"{b} {len(p)} {' '.join(map(str, p))}".rstrip() + "\n" for b, p in enumerate(PREDS)))
    (path / "t.cpit").write_text(_cpit(limits))
    return path


def _cpit_args(folder: Path, run_dir: Path) -> list[str]:
    return ["schedule", f"minelib.path={folder}", "minelib.name=t", "minelib.blocks_file=false", "schedule.problems=[cpit]",
            "loop.enabled=false", "report=false", f"hydra.run.dir={run_dir}"]


LIMIT_LINES = {  # each was "found '0 2 L 1'; expected `OBJECTIVE_FUNCTION:`" or "out of range or repeated"
    "a third period's limit under NPERIODS: 2": (["0 0 L 2", "0 1 L 2", "0 2 L 2"], "t.cpit:10: limit of resource 0 period 2; "
                                                 "expected resources 0..0 and periods 0..1 (the header's NRESOURCE_SIDE_CONSTRAINTS: 1 "
                                                 "and NPERIODS: 2)"),
    "a second resource's limit": (["0 0 L 2", "1 0 L 2", "0 1 L 2"], "t.cpit:9: limit of resource 1 period 0; expected resources 0..0"),
    "a period's limit twice": (["0 0 L 2", "0 1 L 2", "0 1 L 3"], "t.cpit:10: limit of resource 0 period 1 repeated; expected one "
                               "line per resource and period"),
}


@pytest.mark.parametrize("case", LIMIT_LINES)
def test_a_limit_line_outside_the_headers_resources_and_periods_is_named(case, tmp_path):
    limits, expect = LIMIT_LINES[case]
    folder = _cpit_folder(tmp_path / "ml", limits)
    assert_refused(_cpit_args(folder, tmp_path / "run"), expect, inputs=[folder], run_dir=tmp_path / "run")


def test_limits_in_any_order_give_the_brute_force_schedule(tmp_path):
    folder = _cpit_folder(tmp_path / "ml", ["0 1 L 1", "0 0 L 2"])  # period 1 before period 0: read by (r, t)
    result = invoke(*_cpit_args(folder, tmp_path / "run"))
    assert result.exit_code == 0, result.output
    best = -float("inf")
    for when in itertools.product(range(-1, 2), repeat=3):
        closed = all(when[b] < 0 or all(0 <= when[p] <= when[b] for p in PREDS[b]) for b in range(3))
        if closed and sum(w == 0 for w in when) <= 2 and sum(w == 1 for w in when) <= 1:
            best = max(best, sum(VALUES[b] / (1 + RATE) ** when[b] for b in range(3) if when[b] >= 0))
    assert best == pytest.approx(1 + 3 / 1.1)  # blocks 0 and 1 in period 0, block 2 in period 1
    value = json.loads((tmp_path / "run" / "metrics.json").read_text())["schedule.cpit.value"]
    assert value == pytest.approx(best, rel=1e-9)


def test_a_block_file_of_some_blocks_is_named_by_its_count_not_an_unknown_id(tmp_path):
    # every tenth block left out (an export of the ore blocks only): "newman1.blocks:859: unknown block id 954; expected
    # ids in 0..953", of a file whose ids were all the .prec's
    folder = _copy(tmp_path)
    lines = (folder / "newman1.blocks").read_text().splitlines()
    (folder / "newman1.blocks").write_text("\n".join(line for i, line in enumerate(lines) if i % 10 != 3) + "\n")
    assert_refused(_upit_args(folder, tmp_path / "run"), "newman1.blocks: 954 blocks; expected 1060 (the .prec file's), one line each",
                   inputs=[folder], run_dir=tmp_path / "run")


# -- prices a MineLib run would not use -----------------------------------------------------------------


def _gold_forecast(path: Path, first: float = 2100.0) -> Path:
    import datetime

    import polars as pl

    pl.DataFrame({"date": [datetime.date(2026, m, 1) for m in range(1, 13)], "model": ["ets"] * 12,
                  "forecast": [first + 10 * m for m in range(12)], "lower": [first * 0.9] * 12, "upper": [first * 1.1] * 12,
                  "unit": ["USD/oz"] * 12}).write_parquet(path)
    return path


UNREAD_PRICES = {  # each ran with exit 0: the re-plan's path and the forecast's price ("loop: skipped") and the value read by nothing
    "a price path for the re-plan": (["loop.price_path=[1,1.1,0.9]"], "loop.price_path: 3 prices for the rolling re-plan, which runs on "
                                     "the synthetic model only (MineLib files have their own block values); expected no price path "
                                     "with minelib.path"),
    "a best known value of a problem not solved": (["+minelib.best_known.cpit=23000000"], "minelib.best_known.cpit: cpit is not solved "
                                                   "(schedule.problems=['upit']); expected cpit in schedule.problems with it, or no value for it"),
    "a forecast table, the stope off": (["price.forecast_table={table}"], "price.forecast_table: a price for the synthetic model's "
                                        "blocks or the stope (stope.enabled=false), and a MineLib instance's block values are its "
                                        "files'; expected no forecast table with minelib.path, or stope.enabled=true"),
}


@pytest.mark.parametrize("case", UNREAD_PRICES)
def test_a_price_a_minelib_run_would_not_use_is_refused_before_any_job(case, tmp_path):
    extra, expect = UNREAD_PRICES[case]
    table = _gold_forecast(tmp_path / "forecast.parquet")
    assert_refused(["schedule", f"minelib.path={NEWMAN1}", "schedule.problems=[upit]", "report=false", f"hydra.run.dir={tmp_path / 'run'}",
                    *(e.format(table=table) for e in extra)], expect, inputs=[table], run_dir=tmp_path / "run")


def test_a_forecast_prices_the_stope_of_a_minelib_run(tmp_path):
    table = _gold_forecast(tmp_path / "forecast.parquet")
    result = invoke("schedule", f"minelib.path={NEWMAN1}", "schedule.problems=[upit]", "stope.enabled=true", f"price.forecast_table={table}",
                    "report=false", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    # 1 m x 20 m x 3 m at SG 2.75 and 4 g/t, at the forecast's first month (2,100 USD/oz), as docs/schedule.md
    assert metrics["schedule.stope.in_situ_value"] == pytest.approx(165 * 4 / 31.1034768 * 2100, rel=1e-12)
    assert metrics["schedule.upit.value"] == pytest.approx(UPIT_VALUE, abs=1e-6)


# -- optimize: a design of experiments with a table of runs -------------------------------------------------


@pytest.fixture(scope="module")
def runs_csv(tmp_path_factory) -> Path:
    """16 closed-form simulator runs over the default bounds (a Latin-hypercube-like spread, each end covered)."""
    import numpy as np
    import polars as pl

    from minectl.optimize.simulator import ProbabilityIntegralSimulator

    X = np.column_stack([np.linspace(18, 25, 16), np.random.default_rng(0).permutation(np.linspace(0.5, 3.0, 16))])
    Y = ProbabilityIntegralSimulator().evaluate(X)
    path = tmp_path_factory.mktemp("runs") / "runs.csv"
    pl.DataFrame({"pillar_height_m": X[:, 0], "sidewall_thickness_m": X[:, 1], "subsidence_cm": Y[:, 0], "ore_t": Y[:, 1]}).write_csv(path)
    return path


@pytest.mark.parametrize("doe, expect", [(["doe=lhs", "doe.n=500"], "doe.kind=lhs, doe.n=500"),
                                         (["doe=sobol"], "doe.kind=sobol, doe.n=88"), (["doe.n=40"], "doe.kind=full_factorial, doe.n=40")])
def test_a_design_of_experiments_with_a_table_of_runs_is_refused(doe, expect, runs_csv, tmp_path):
    # each ran the file's 16 runs with exit 0: 500 Latin-hypercube runs asked for, none run and nothing said
    assert_refused(["optimize", "debug=quick", "surrogate=rf", "simulator=table", f"simulator.path={runs_csv}", *doe,
                    f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{expect}: a design for simulator=pim, and simulator=table's runs are those of simulator.path; expected the "
                   "default doe (the file is the design) with simulator=table", inputs=[runs_csv], run_dir=tmp_path / "run")


def test_a_table_of_runs_with_the_default_doe_is_its_design(runs_csv, tmp_path):
    import polars as pl

    result = invoke("optimize", "debug=quick", "surrogate=rf", "simulator=table", f"simulator.path={runs_csv}", f"hydra.run.dir={tmp_path}")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "metrics.json").read_text())["doe.runs"] == 16
    assert pl.read_parquet(tmp_path / "tables" / "doe.parquet").equals(pl.read_csv(runs_csv))


MIXED_KINDS = {  # each ran with exit 0: the closed form's runs with the user's file unread, or the file's with the parameter unread
    "a file of runs without simulator=table": (["simulator.path={runs}"], "simulator.path={runs}: a setting of simulator=table (a file "
                                                "of your runs), and simulator.kind is pim (the closed form computes the runs); expected "
                                                "simulator=table with it"),
    "drop_incomplete without simulator=table": (["simulator.drop_incomplete=true"], "simulator.drop_incomplete=true: a setting of "
                                                 "simulator=table"),
    "a closed-form parameter with a table": (["simulator=table", "simulator.path={runs}", "simulator.pim.depth_m=80"],
                                             "simulator.pim.depth_m=80: a parameter of the closed-form simulator, and simulator=table's "
                                             "runs are those of simulator.path; expected simulator.pim at its defaults with simulator=table"),
}


@pytest.mark.parametrize("case", MIXED_KINDS)
def test_a_setting_of_the_other_simulator_kind_is_refused(case, runs_csv, tmp_path):
    extra, expect = MIXED_KINDS[case]
    assert_refused(["optimize", "debug=quick", *(e.format(runs=runs_csv) for e in extra), f"hydra.run.dir={tmp_path / 'run'}"],
                   expect.format(runs=runs_csv), inputs=[runs_csv], run_dir=tmp_path / "run")


def test_a_closed_form_parameter_still_changes_the_closed_form_runs(tmp_path):
    import polars as pl

    from minectl.optimize.doe import full_factorial
    from minectl.optimize.simulator import ProbabilityIntegralSimulator

    result = invoke("optimize", "debug=quick", "simulator.pim.depth_m=80", f"hydra.run.dir={tmp_path}")
    assert result.exit_code == 0, result.output
    runs = pl.read_parquet(tmp_path / "tables" / "doe.parquet").select("subsidence_cm", "ore_t").to_numpy()
    expected = ProbabilityIntegralSimulator(depth_m=80.0).evaluate(full_factorial([[18, 25], [0.5, 3]], [8, 11]))
    assert runs == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("key, value", [("price_model", "ets"), ("price_column", "price")])
def test_a_price_path_column_or_model_without_a_price_path_is_refused(key, value, tmp_path):
    # ran with exit 0 at the fixed price 380: a forecaster named for a price path never given
    assert_refused(["optimize", "debug=quick", f"optimize.decision.{key}={value}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"optimize.decision.{key}={value}: a column or model of optimize.decision.price_path, which is not set (the fixed "
                   "price 380 decides); expected price_path=FILE with it", run_dir=tmp_path / "run")


def test_a_price_paths_model_picks_its_last_forecast(runs_csv, tmp_path):
    import polars as pl

    prices = tmp_path / "forecast.csv"
    pl.DataFrame({"date": ["2025-01-01", "2025-02-01"] * 2, "model": ["ets", "ets", "naive", "naive"],
                  "price": [350.0, 420.0, 300.0, 310.0]}).write_csv(prices)
    result = invoke("optimize", "debug=quick", "surrogate=rf", "simulator=table", f"simulator.path={runs_csv}",
                    f"optimize.decision.price_path={prices}", "optimize.decision.price_model=ets", "optimize.decision.price_column=price",
                    f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["decision.price"] == 420.0  # ets's latest month
    share = (420 - 300) / (450 - 300)  # the default band and anchors, conf/optimize.yaml
    assert metrics["decision.weight.ore_t"] == pytest.approx((1 - share) * 0.2 + share * 0.8)


# -- the ultimate pit of a .prec with duplicate arcs, a cycle and lines in any order ------------------------


def test_a_prec_with_duplicate_arcs_a_cycle_and_shuffled_lines_gives_the_lp_closure(tmp_path):
    import numpy as np
    from scipy.optimize import linprog

    from minectl.schedule import minelib
    from minectl.schedule.upit import max_closure

    # 4 under 1 and 2 (each listed twice), 3 under 0 (twice), 5 and 6 under each other (a cycle), 7 never referenced
    (tmp_path / "t.prec").write_text("6 1 5\n4 4 1 2 2 1\n3 2 0 0\n2 0\n1 0\n0 0\n5 2 6 4\n7 0\n")
    values = np.array([-3.25, -1.5, -2.0, 4.0, 6.125, -1.0, 0.5, 0.0])
    prec = minelib.read_prec(tmp_path / "t.prec")
    blocks, preds = prec.arcs()
    rows = np.zeros((len(blocks), len(values)))
    rows[np.arange(len(blocks)), blocks], rows[np.arange(len(blocks)), preds] = 1.0, -1.0
    lp = linprog(-values, A_ub=rows, b_ub=np.zeros(len(blocks)), bounds=(0, 1), method="highs")  # totally unimodular: 0/1
    pit = max_closure(values, prec)
    assert pit.value == pytest.approx(-lp.fun, abs=1e-12) == 3.375  # blocks 0 and 3 (0.75), 1, 2, 4 (2.625); 5 and 6 cost 0.5
    assert np.flatnonzero(pit.in_pit).tolist() == [0, 1, 2, 3, 4]
