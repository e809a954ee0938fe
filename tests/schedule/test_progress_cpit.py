"""The CPIT solve's progress: a bar of Lagrangian steps and one of fix-and-optimise windows, each
full when the work (not the clock) ends the stage, and the same schedule with or without them;
the loop's and the rolling re-plan's bars of plans."""

from __future__ import annotations

import contextlib
import itertools

import numpy as np
import polars as pl
from typer.testing import CliRunner

from minectl.cli import app
from minectl.results import Run
from minectl.schedule.blockmodel import Economics, block_values, generate, instance_of
from minectl.schedule.cpit import solve_schedule


def counting_bars():
    """progress(name, total) as Run.progress_per_model gives it, and the {name: [total, advanced]} it fills."""
    bars: dict[str, list[int]] = {}

    def progress(name: str, total: int):
        bars[name] = [total, 0]
        return lambda n=1: bars[name].__setitem__(1, bars[name][1] + n)

    return progress, bars


def test_cpit_bars_reach_their_totals_and_change_nothing():
    model = generate(8, 8, 4, seed=3)
    values = block_values(model.tonnes, model.grade, model.dilution, model.burst_probability, Economics())
    mining = 0.1 * model.tonnes.sum()
    inst = instance_of("g", values, model.tonnes, 4, mining, 0.5 * mining, 0.1)
    progress, bars = counting_bars()
    shown = solve_schedule(inst, model.prec, relaxation="lagrangian", lagrangian_iterations=20, window_sweeps=1, progress=progress)
    assert not shown.time_limited and shown.sweeps == 1
    assert bars == {"Lagrangian bound steps": [20, 20], "fix-and-optimise windows": [3, 3]}  # 1 sweep x (4 - 1) windows
    quiet = solve_schedule(inst, model.prec, relaxation="lagrangian", lagrangian_iterations=20, window_sweeps=1)
    assert np.array_equal(shown.solution.period, quiet.solution.period) and np.array_equal(shown.solution.share, quiet.solution.share)
    assert (shown.value, shown.bound, shown.lp_bound, shown.heuristic_value) == (quiet.value, quiet.bound, quiet.lp_bound,
                                                                                 quiet.heuristic_value)



def test_single_highs_calls_tell_the_seconds_they_use(monkeypatch):
    # the LP relaxation and the whole MIP are one HiGHS call each: their interrupt callbacks tell the
    # bar the whole seconds passed (a clock that moves 0.7 s a reading: many seconds in a small solve)
    model = generate(8, 8, 4, seed=3)
    values = block_values(model.tonnes, model.grade, model.dilution, model.burst_probability, Economics())
    mining = 0.1 * model.tonnes.sum()
    inst = instance_of("g", values, model.tonnes, 4, mining, 0.5 * mining, 0.1)
    quiet = solve_schedule(inst, model.prec, relaxation="lp", window_sweeps=1, whole_mip=True, time_limit=1e6)
    progress, bars = counting_bars()
    readings = itertools.count()
    monkeypatch.setattr("minectl.schedule.cpit.time.perf_counter", lambda: next(readings) * 0.7)
    shown = solve_schedule(inst, model.prec, relaxation="lp", window_sweeps=1, whole_mip=True, time_limit=1e6, progress=progress)
    lp, mip = bars["LP relaxation (HiGHS): seconds of the time limit"], bars["whole MIP (HiGHS): seconds of the time limit"]
    assert lp[0] >= 999_990 and 0 < lp[1] <= lp[0] and 0 < mip[1] <= mip[0]
    assert bars["fix-and-optimise windows"] == [3, 3]
    assert np.array_equal(shown.solution.period, quiet.solution.period) and shown.value == quiet.value

def test_schedule_opens_the_bars_per_problem(tmp_path, monkeypatch):
    opened = []

    @contextlib.contextmanager
    def progress(self, total, description):
        opened.append((description, total))
        yield lambda n=1: None

    monkeypatch.setattr(Run, "progress", progress)
    result = CliRunner().invoke(app, ["schedule", "debug=quick", "loop.enabled=false", "schedule.problems=[cpit]",
                                      "schedule.relaxation=lagrangian", "schedule.lagrangian_iterations=7", "schedule.time_limit_s=60",
                                      f"hydra.run.dir={tmp_path}"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert opened == [("cpit: Lagrangian bound steps", 7), ("cpit: fix-and-optimise windows", 3)]  # 1 sweep x (4 - 1) periods


def test_the_loop_and_the_rolling_replan_count_their_plans(tmp_path, monkeypatch):
    bars: dict[str, list[int]] = {}

    @contextlib.contextmanager
    def progress(self, total, description):
        bars[description] = [total, 0]
        yield lambda n=1: bars[description].__setitem__(1, bars[description][1] + n)

    monkeypatch.setattr(Run, "progress", progress)
    result = CliRunner().invoke(app, ["schedule", "debug=quick", "schedule.problems=[]", "schedule.mip=false",
                                      "loop.price_path=[1,1.5,1.5,0.5]", f"hydra.run.dir={tmp_path}"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    replan = pl.read_parquet(tmp_path / "tables/replan.parquet").filter(pl.col("plan") == "rolling")
    assert replan["blocks"].sum() < 10 * 10 * 5  # blocks left at every period: a re-plan each, and the fixed plan
    assert bars == {"loop: plans (static, ML-fed, oracle)": [3, 3], "rolling re-plan: plans": [5, 5]}
