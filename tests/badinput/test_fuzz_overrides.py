"""Overrides found by probing every command's config keys with bad values, each refused before any work.

`~seed` deleted a key the job reads (a traceback in the job; below the root Hydra's refusal named no
expected value, and of a null key said it "does not exist"), `report=2` was taken as true, and an
integer beyond 64 bits ended in an OverflowError deep in polars; each is now one line from the pre-check,
in a single run and as a sweep's second value (no job runs).
"""

from __future__ import annotations

import pytest
from harness import assert_refused

BIG = str(2**64)

CASES = [
    ("forecast", ["~seed"], "~seed: a key of the schema cannot be deleted, the task reads it; expected a value (seed=...)"),
    ("risk", ["~report"], "~report: a key of the schema cannot be deleted, the task reads it; expected a value (report=...)"),
    ("forecast", ["~series"], "~series: a key of the schema cannot be deleted"),
    # below the root Hydra refuses the deletion itself, said in the same words
    ("demo", ["~cost.outlier_window=30"], "~cost.outlier_window: a key of the schema cannot be deleted, the task reads it; "
     "expected a value (cost.outlier_window=...)"),
    ("risk", ["~model.params"], "~model.params: a key of the schema cannot be deleted"),
    # Hydra's "'objective' does not exist" of a key that exists, null
    ("forecast", ["~objective"], "~objective: no such key, or it is null already; expected a key that holds a value"),
    ("cost", ["report=2"], "report=2: report is a flag; expected true or false (a number but 0 would be read as true)"),
    ("forecast", ["forecaster.lstm.fit_in_workers=0.5"], "forecaster.lstm.fit_in_workers=0.5: forecaster.lstm.fit_in_workers is a flag"),
    ("demo", [f"cost.outlier_window={BIG}"],
     f"cost.outlier_window={BIG} is out of range; expected an integer >= 2, within 64 bits (-2**63 to 2**63-1)"),
    ("forecast", [f"forecast.horizon={BIG}"], f"forecast.horizon={BIG} is out of range; expected an integer >= 1, within 64 bits"),
]


@pytest.mark.parametrize("task, overrides, expect", CASES, ids=[f"{t}:{' '.join(o)}" for t, o, _ in CASES])
def test_a_probed_bad_override_is_refused_before_any_work(task, overrides, expect, tmp_path):
    run_dir = tmp_path / "run"
    assert_refused([task, *overrides, f"hydra.run.dir={run_dir}"], expect, run_dir=run_dir)
    assert not run_dir.exists()  # refused before Hydra made the run folder


@pytest.mark.parametrize("sweep, expect", [
    ("report=true,2", "report=2: report is a flag"),
    (f"cost.outlier_window=30,{BIG}", f"cost.outlier_window={BIG} is out of range"),
])
def test_a_probed_bad_sweep_value_stops_the_sweep_before_any_job(sweep, expect, tmp_path):
    sweep_dir = tmp_path / "sweep"
    assert_refused(["demo", "-m", sweep, f"hydra.sweep.dir={sweep_dir}"], expect, run_dir=sweep_dir)
    assert not sweep_dir.exists()


@pytest.mark.parametrize("override, key, value", [
    ("report=0", "report", False), ("report=1", "report", True), ("report=yes", "report", True),
    ("seed=4294967295", "seed", 4294967295), (f"cost.outlier_window={2**63 - 1}", "cost.outlier_window", 2**63 - 1),
])
def test_legal_values_next_to_the_refused_ones_pass(override, key, value):
    from harness import invoke
    from omegaconf import OmegaConf

    result = invoke("demo", "--cfg", "job", override)
    assert result.exit_code == 0, result.output
    assert OmegaConf.select(OmegaConf.create(result.output), key) == value


# a task's own values, checked with the data or in the job before: each sweep ran its earlier jobs first
TASK_SWEEPS = [
    ("uncertainty", "uncertainty.families=[normal],[zzz]", "uncertainty.families[0]='zzz'; expected one of normal, lognormal"),
    ("uncertainty", "uncertainty.families=[normal],[normal,gamma,normal]",
     "uncertainty.families: 'normal' is listed twice; expected each item once"),
    ("cost", "costs.resources.safety_env.price=1,nan", "costs.resources.safety_env.price: nan is not finite; expected a finite price >= 0"),
    ("cost", "costs.thresholds.electricity.lower=1,nan",  # a NaN bound compares false: the threshold was off, silently
     "costs.thresholds.electricity.lower: nan; expected a finite number in the resource's unit (null: no bound)"),
    ("capacity", "limits.link_capacities_m3_a=[1e8],[]", "limits.link_capacities_m3_a: empty; expected at least one production-link capacity"),
    ("optimize", "optimize.variables.pillar_height_m.low=18,-1", "optimize.variables.pillar_height_m: low must be >= 0"),
    ("risk", "risk.missing.default=ffill,zzz", "risk.missing.default: 'zzz'; expected one of ffill, interpolate, median, drop"),
    ("risk", "risk.time.frequency=1d,zzz", "risk.time.frequency: 'zzz'; expected an amount with a unit among"),
    ("schedule", "price.model=null,arima", "price.model=arima: a forecaster of price.forecast_table, which is not set"),
    ("factors", "factors.kge.estimators.transe.learning_rate=0.01,nan",
     "factors.kge.estimators.transe: 'learning_rate' parameter of KGEModel must be a float in the range (0.0, inf). Got nan instead."),
]


@pytest.mark.slow
@pytest.mark.parametrize("task, sweep, expect", TASK_SWEEPS, ids=[f"{t}:{s}" for t, s, _ in TASK_SWEEPS])
def test_a_task_value_is_refused_before_any_job_of_a_sweep(task, sweep, expect, tmp_path):
    sweep_dir = tmp_path / "sweep"
    assert_refused([task, "-m", sweep, "debug=quick", f"hydra.sweep.dir={sweep_dir}"], expect, run_dir=sweep_dir)
    assert not sweep_dir.exists()  # no job ran
