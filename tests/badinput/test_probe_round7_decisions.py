"""Bad-input corpus, round 7 (the decision tasks: optimize, schedule, capacity), past
test_pits_and_designs.py, test_fuzz_plans.py, test_fuzz_capacity.py and test_probe_public_numbers.py.

A file or folder named by a key (capacity's cost_data/cobweb/rolling.path, optimize's simulator.path and
decision.price_path, schedule's minelib.path, price.forecast_table and loop.surrogates_from) that is
missing, of the other kind or a dangling link was found inside its job, after the sweep's other jobs had
run (a folder was 'dataset file not found'); the pre-check refuses it now, before any job.

A CPIT schedule warm-started in HiGHS (the fix-and-optimise windows, the whole MIP) kept its start where
presolve alone solved the MIP: HiGHS 1.16 hands back the start's columns with the optimum's objective. A
7-block instance was reported at 0.43 (bound 2.7, 'windows done'); brute force over its 3^7 schedules
gives 2.7.

optimize.decision.price_path ordered its rows by a column named `date` only: a newest-first price series
dated in `month` (as the Pink Sheet copy is) gave its oldest price as the decision price, exit 0. A .prec
with CR-only line ends was read as one line (the other MineLib files were read). capacity used fewer months
than rolling.last without a word.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from harness import assert_refused

ROOT = Path(__file__).resolve().parents[2]
NEWMAN1 = ROOT / "examples" / "data" / "minelib_newman1"
PRICES = ROOT / "examples" / "data" / "pinksheet_coal" / "coal_monthly_usd_mt.csv"


def _bad(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A path of ``kind`` (missing, folder, dangling) and what the one line says of it (data.sources.check_input's words)."""
    path = tmp_path / "bad.csv"
    if kind == "folder":
        path.mkdir()
        return path, f"{path}: a folder; expected a file"
    if kind == "dangling":
        path.symlink_to(tmp_path / "gone.csv")
    return path, f"{path}: not found; expected a file"


# ----------------------------------------------------------- input files before any job of a sweep

@pytest.mark.parametrize("key", ["cost_data.path", "cobweb.path", "rolling.path"])
@pytest.mark.parametrize("kind", ["missing", "folder", "dangling"])
def test_a_capacity_input_that_is_no_file_is_refused_before_any_job(tmp_path, key, kind):
    # before: job 0 ran on the good file, job 1 failed ('input not found', or 'dataset file not found' of a folder)
    bad, expect = _bad(tmp_path, kind)
    sweep = tmp_path / "sweep"
    assert_refused(["capacity", "-m", "debug=quick", f"{key}={PRICES},{bad}", f"hydra.sweep.dir={sweep}"], expect)
    assert not sweep.exists()


@pytest.mark.parametrize("key, extra", [("optimize.decision.price_path", []),
                                        ("simulator.path", ["simulator=table", "simulator.responses=[subsidence_cm,ore_t]"])])
def test_an_optimize_input_that_is_no_file_is_refused_before_any_job(tmp_path, key, extra):
    bad, expect = _bad(tmp_path, "folder")
    sweep = tmp_path / "sweep"
    assert_refused(["optimize", "-m", "debug=quick", *extra, f"{key}={PRICES},{bad}", f"hydra.sweep.dir={sweep}"],
                   f"error: {key}: {expect}")
    assert not sweep.exists()


def test_a_minelib_path_missing_or_a_file_is_refused_before_any_job(tmp_path):
    sweep = tmp_path / "sweep"
    common = ["schedule", "-m", "minelib.name=newman1", "schedule.problems=[upit]", "loop.enabled=false", f"hydra.sweep.dir={sweep}"]
    assert_refused([*common, f"minelib.path={NEWMAN1},{tmp_path / 'none'}"],
                   f"error: minelib.path: {tmp_path / 'none'}: not found; expected a folder")
    assert_refused([*common, f"minelib.path={NEWMAN1},{NEWMAN1 / 'newman1.prec'}"],
                   f"error: minelib.path: {NEWMAN1 / 'newman1.prec'}: a file; expected a folder")
    assert not sweep.exists()


def test_a_forecast_table_or_saved_surrogates_of_the_wrong_kind_are_refused_before_any_job(tmp_path):
    sweep = tmp_path / "sweep"
    assert_refused(["schedule", "-m", "+experiment=stope_extension", f"price.forecast_table={tmp_path}",
                    f"hydra.sweep.dir={sweep}"], f"error: price.forecast_table: {tmp_path}: a folder; expected a file")
    link = tmp_path / "run"
    link.symlink_to(tmp_path / "gone")
    assert_refused(["schedule", "-m", "debug=quick", "schedule.problems=[]", "seed=0,1", f"loop.surrogates_from={link}",
                    f"hydra.sweep.dir={sweep}"],
                   f"error: loop.surrogates_from: {link}: not found; expected a folder")
    assert not sweep.exists()


# ------------------------------------------------------------------ figures against brute force

def _brute_force(instance, prec) -> float:
    """The best NPV over every assignment of each block to a period or none (3^7 for 7 blocks, 2 periods)."""
    blocks, preds = prec.arcs()
    best = 0.0
    for assign in itertools.product(range(-1, instance.n_periods), repeat=instance.n_blocks):
        period = np.array(assign)
        if np.any((period[blocks] >= 0) & ((period[preds] < 0) | (period[preds] > period[blocks]))):
            continue
        use = np.array([instance.coef[0, period == t, 0].sum() for t in range(instance.n_periods)])
        if np.any(use > instance.upper[0]) or np.any(use < instance.lower[0]):
            continue
        mined = period >= 0
        best = max(best, float((instance.objective[mined, 0] * instance.discounts()[period[mined]]).sum()))
    return best


@pytest.mark.parametrize("whole_mip", [False, True], ids=["windows", "whole MIP"])
def test_a_tiny_cpit_schedule_is_the_brute_force_optimum(whole_mip):
    from minectl.schedule.cpit import solve_schedule
    from minectl.schedule.minelib import Instance, Precedence

    arcs = np.array([(4, 3), (5, 1), (5, 3), (6, 4)])  # (block, predecessor)
    prec = Precedence.from_arcs(7, arcs[:, 0], arcs[:, 1])
    coef = np.array([2.3, 3.7, 1.6, 2.0, 4.5, 3.4, 2.0]).reshape(1, 7, 1)
    objective = np.array([[-11.0], [-7.3], [-7.8], [2.7], [-2.5], [1.3], [8.4]])
    instance = Instance("t", "CPIT", objective, 2, 0.1, coef, np.array([[1.0, -np.inf]]), np.array([[4.9, 4.9]]))
    assert _brute_force(instance, prec) == pytest.approx(2.7)  # block 3 alone in period 0
    result = solve_schedule(instance, prec, time_limit=30, whole_mip=whole_mip)
    assert result.feasible
    assert result.value == pytest.approx(2.7)  # was 0.4273: block 4 (-2.5) mined in period 1 as well
    assert result.solution.period.tolist() == [-1, -1, -1, 0, -1, -1, -1]


# ------------------------------------------------------------------ MineLib line ends

def test_a_prec_file_with_cr_line_ends_reads_as_the_published_one(tmp_path):
    """Classic Mac line ends (CR only): the .upit, .cpit, .blocks files read (splitlines), the .prec was
    one line ('newman1.prec:1: expected `block count pred1 .. predcount` with count predecessors')."""
    from minectl.schedule.minelib import read_prec

    published = read_prec(NEWMAN1 / "newman1.prec")
    cr = tmp_path / "newman1.prec"
    cr.write_bytes((NEWMAN1 / "newman1.prec").read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    read = read_prec(cr)
    assert read.n_blocks == 1060
    assert np.array_equal(read.start, published.start) and np.array_equal(read.preds, published.preds)


# ------------------------------------------------------------------ a price series dated by another name

def test_a_newest_first_price_series_dated_by_month_gives_its_latest_price(tmp_path):
    """The Pink Sheet copy dates its rows in `month`: only a column named `date` ordered the rows, so a
    newest-first download gave its oldest price (110, exit 0) as the decision price."""
    import json

    from harness import invoke

    prices = tmp_path / "coal.csv"
    prices.write_text("month,coal_australia_usd_mt\n2024-03,130.5\n2024-02,120.25\n2024-01,110\n")
    run = tmp_path / "run"
    result = invoke("optimize", "debug=quick", f"optimize.decision.price_path={prices}",
                    "optimize.decision.price_column=coal_australia_usd_mt", "optimize.decision.low_price=50",
                    "optimize.decision.high_price=150", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert json.loads((run / "metrics.json").read_text())["decision.price"] == 130.5


def test_a_rolling_path_shorter_than_rolling_last_is_said(tmp_path):
    """rolling.last=12 of a 3-month file: 2 monthly moves, exit 0 and no word (metrics rolling.months: 2 only)."""
    from harness import invoke

    prices = tmp_path / "prices.csv"
    prices.write_text("month,price\n2024-01,300\n2024-02,310\n2024-03,305\n")
    result = invoke("capacity", f"rolling.path={prices}", "rolling.last=12", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    assert "rolling: 3 months in rolling.path, fewer than rolling.last=12: all of them used" in " ".join(result.output.split())
