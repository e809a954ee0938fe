"""The time limit and the memory bound at MineLib's largest sizes, shown on small instances with the
estimates injected: a max-flow or a MIP's construction cannot be interrupted, so a part whose
estimated duration overruns the time left is not begun, and one whose model is estimated above
`memory_limit_gb` is skipped with a line saying so (at 112,500 blocks x 20 periods, 67 million arcs:
a Lagrangian step took 7.7 GB and ~41 s, and `schedule.time_limit_s=10` ran 79 s)."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from minectl.schedule import cpit
from minectl.schedule.blockmodel import Economics, block_values, generate, instance_of
from tests.badinput.harness import assert_refused, invoke


def _generated():
    model = generate(8, 8, 4, seed=1)
    values = block_values(model.tonnes, model.grade, model.dilution, model.burst_probability, Economics())
    mining = 0.1 * model.tonnes.sum()
    return instance_of("g", values, model.tonnes, 4, mining, 0.5 * mining, 0.1), model.prec


def _counted_closures(monkeypatch, seconds: float = 0.0) -> list[float]:
    """Each Lagrangian step's start time (perf_counter); each step lasts at least ``seconds``."""
    began, closure = [], cpit._closure

    def slow(weights, graph):
        began.append(time.perf_counter())
        time.sleep(seconds)
        return closure(weights, graph)

    monkeypatch.setattr(cpit, "_closure", slow)
    return began


def test_a_first_step_estimated_past_the_limit_is_not_begun(monkeypatch):
    inst, prec = _generated()
    began = _counted_closures(monkeypatch)
    monkeypatch.setattr(cpit, "FLOW_SECONDS_PER_PIT", 1e12, raising=False)  # the pit's max-flow says: a step takes far longer than 30 s
    result = cpit.solve_schedule(inst, prec, relaxation="lagrangian", time_limit=30, mip=False)
    assert began == [] and result.time_limited and result.seconds < 5
    assert result.lp_bound == result.pit_value and result.feasible and result.skipped == []  # the pit bounds the plan


def test_no_lp_or_mip_is_built_that_the_estimate_says_cannot_end_in_time(monkeypatch):
    inst, prec = _generated()
    monkeypatch.setattr(cpit, "MIP_SECONDS_PER_PIT", 1e12, raising=False)  # building the LP or the MIP: far longer than 30 s
    monkeypatch.setattr(cpit._Model, "lp", lambda self, integer: pytest.fail("an LP or MIP was built past the limit"))
    result = cpit.solve_schedule(inst, prec, relaxation="lagrangian", lagrangian_iterations=5, time_limit=30)
    assert result.time_limited and result.mip_status == "not run" and result.sweeps == 0 and result.seconds < 5
    assert result.lp_bound < result.pit_value and result.feasible  # the max-flow steps still ran
    result = cpit.solve_schedule(inst, prec, relaxation="lp", time_limit=30)
    assert result.time_limited and result.lp_bound == result.pit_value and result.mip_status == "not run" and result.feasible


def test_no_step_begins_that_the_longest_one_says_cannot_end_in_time(monkeypatch):
    inst, prec = _generated()
    began = _counted_closures(monkeypatch, seconds=1.0)
    result = cpit.solve_schedule(inst, prec, relaxation="lagrangian", lagrangian_iterations=50, time_limit=3.5, mip=False)
    # steps from ~0 s, ~1 s, ~2 s; one at ~3 s would end at ~4 s, past the limit (it ran before: 4 steps, ~4 s)
    assert len(began) == 3 and result.time_limited
    assert result.seconds < 3.5


def test_models_above_the_memory_bound_are_skipped_and_said_so():
    inst, prec = _generated()
    free = cpit.solve_schedule(inst, prec, relaxation="lagrangian", lagrangian_iterations=20, window_sweeps=1, reduce=False)
    bounded = cpit.solve_schedule(inst, prec, relaxation="lagrangian", lagrangian_iterations=20, window_sweeps=1, reduce=False,
                                  memory_limit_gb=1e-4)  # 100 kB
    assert free.skipped == [] and free.mip_status == "windows done" and free.lp_bound < free.pit_value
    model = cpit._Model(inst, prec, np.zeros(inst.n_blocks, np.int64))  # unreduced: the model the solve has
    flow, mip = model.ordering_count() * 100 / 1e9, model.mip_nonzeros() * 250 / 1e9  # 100 B an arc, 250 B a nonzero
    assert bounded.skipped == [
        f"the Lagrangian bound (max-flow) skipped: its model needs about {flow:.3g} GB, above schedule.memory_limit_gb=0.0001 "
        "(raise it to build it)",
        f"the fix-and-optimise windows skipped: its model needs about {mip:.3g} GB, above schedule.memory_limit_gb=0.0001 "
        "(raise it to build it)"]
    assert not bounded.time_limited and bounded.feasible and bounded.mip_status == "skipped: memory bound" and bounded.sweeps == 0
    assert bounded.lp_bound == bounded.pit_value and bounded.value == bounded.heuristic_value <= free.value
    lp = cpit.solve_schedule(inst, prec, relaxation="lp", mip=False, memory_limit_gb=1e-4)
    assert lp.skipped[0].startswith("the LP relaxation skipped: its model needs about ") and lp.lp_bound == lp.pit_value


def test_the_memory_bound_is_a_config_key_and_said_in_the_run(tmp_path):
    run = tmp_path / "run"
    result = invoke("schedule", "debug=quick", "schedule.problems=[cpit]", "schedule.relaxation=lagrangian", "loop.ventilation=false",
                    "schedule.memory_limit_gb=0.0001", "report=false", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "cpit: the Lagrangian bound (max-flow) skipped: its model needs about " in text
    assert "loop (ml plan): the fix-and-optimise windows skipped: its model needs about " in text
    assert text.count("above schedule.memory_limit_gb=0.0001 (raise it to build it)") == 8  # cpit 2, each loop plan 2
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["schedule.cpit.memory_limited"] == metrics["schedule.loop.memory_limited"] == 1
    assert metrics["schedule.cpit.time_limited"] == metrics["schedule.loop.time_limited"] == 0


def test_the_rolling_replans_say_what_the_memory_bound_skipped(tmp_path):
    """Each re-plan (the fixed plan and one a period) is a solve of its own: its skipped parts were
    silent. One line says how many and the first (the last period's plan, one period long, builds no model)."""
    run = tmp_path / "run"
    result = invoke("schedule", "debug=quick", "schedule.problems=[]", "loop.price_path=[1,1.5,1.5,0.5]", "loop.ventilation=false",
                    "schedule.memory_limit_gb=0.0001", "report=false", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert text.count("rolling re-plan: ") == 1  # one line, not one a plan
    assert "rolling re-plan: 4 of 5 plans skipped a part; the first: the LP relaxation skipped: its model needs about " in text
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["schedule.replan.memory_limited"] == 1 and metrics["schedule.replan.time_limited"] == 0


@pytest.mark.parametrize(("value", "shown"), [("0", "0.0"), ("-1", "-1.0"), ("nan", "nan"), ("inf", "inf")])
def test_a_memory_bound_not_a_finite_number_above_zero_is_refused(tmp_path, value, shown):
    run = tmp_path / "run"
    line = assert_refused(["schedule", "debug=quick", f"schedule.memory_limit_gb={value}", f"hydra.run.dir={run}"],
                          "expected a finite number > 0", run_dir=run)
    assert line == f"error: schedule.memory_limit_gb={shown} is out of range; expected a finite number > 0"


@pytest.mark.parametrize(("kind", "terms"), [("CPIT", 7), ("PCPSP", 4)])  # a use's entries: x[b, t] - x[b, t-1], or y[b, d, t]
def test_the_size_estimates_count_the_models_built(kind, terms):
    model = generate(8, 8, 4, seed=1)
    values = block_values(model.tonnes, model.grade, model.dilution, model.burst_probability, Economics())
    mining = 0.1 * model.tonnes.sum()
    inst = instance_of("g", values, model.tonnes, 4, mining, 0.5 * mining, 0.1, kind)
    built = cpit._Model(inst, model.prec, np.zeros(inst.n_blocks, np.int64))
    assert built.ordering_count() == sum(len(a) for a, _ in built.orderings())
    zeros = int(np.sum(inst.coef == 0)) * terms  # uses of 0 (waste's processing) are dropped from the matrix
    assert built.mip_nonzeros() == len(built.lp(integer=True).a_matrix_.value_) + zeros
