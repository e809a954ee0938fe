"""Round 20 probes of `minectl schedule`, `minectl optimize` and `minectl capacity`: the loop's surrogates loaded with
loop.surrogates_from into a larger synthetic model predicted beyond the blocks they were fitted on (a 10 x 10 x 5 fit in a
20 x 20 x 8 model: the heat forest flat past x 9, depths past 4 extrapolated), exit 0, not a word. Each refusal has a near
miss that still runs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from harness import assert_refused, invoke

# -- schedule: saved surrogates in a model larger than the one they were fitted on ------------------------------------


@pytest.fixture(scope="module")
def fitted_run(tmp_path_factory) -> Path:
    """A quick schedule run (10 x 10 x 5 blocks) that saved its surrogates in models/."""
    run = tmp_path_factory.mktemp("fitted") / "run"
    result = invoke("schedule", "debug=quick", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return run


def _model_json(run: Path, role: str) -> dict:
    return json.loads((run / "models" / role / "model.json").read_text())


def test_saved_surrogates_record_the_extent_they_were_fitted_on(fitted_run):
    assert _model_json(fitted_run, "heat")["extent"] == {"x": [0.0, 9.0], "y": [0.0, 9.0], "depth": [0.0, 4.0]}
    assert _model_json(fitted_run, "dilution")["extent"] == {"depth": [0.0, 4.0]}


@pytest.mark.parametrize("override, expect", [
    ("synthetic.nx=12", ["heat surrogate", "with x 0 to 9", "reach x 0 to 11", "synthetic.nx no larger"]),
    ("synthetic.nz=6", ["grade surrogate", "with depth 0 to 4", "reach depth 0 to 5", "synthetic.nz no larger"]),
])
def test_surrogates_from_a_smaller_model_refused(fitted_run, tmp_path, override, expect):
    """synthetic.nx=20 ny=20 nz=8 with a 10 x 10 x 5 run's surrogates ran, ML-fed NPV 42.4 M against 35.0 M static, exit 0."""
    run = tmp_path / "run"
    assert_refused(["schedule", "debug=quick", override, f"loop.surrogates_from={fitted_run}", f"hydra.run.dir={run}"],
                   ["loop.surrogates_from: ", *expect], inputs=[fitted_run], run_dir=run)


def test_surrogates_from_a_larger_model_run_and_keep_their_extent(fitted_run, tmp_path):
    """Near miss: a smaller model lies inside the fitted one; the run saves the loaded surrogates with their own extent, so a
    run loading from it is judged by the first fit, not by this model."""
    run = tmp_path / "run"
    result = invoke("schedule", "debug=quick", "synthetic.nx=8", "synthetic.nz=4", "schedule.problems=[]",
                    f"loop.surrogates_from={fitted_run}", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert _model_json(run, "heat")["extent"] == {"x": [0.0, 9.0], "y": [0.0, 9.0], "depth": [0.0, 4.0]}


def test_surrogates_saved_without_an_extent_still_load(fitted_run, tmp_path):
    """Near miss: a run saved before extents were recorded loads as before (nothing to check it by)."""
    old = tmp_path / "old"
    shutil.copytree(fitted_run, old)
    for role in ("grade", "dilution", "burst", "heat"):
        path = old / "models" / role / "model.json"
        meta = json.loads(path.read_text())
        del meta["extent"]
        path.write_text(json.dumps(meta))
    run = tmp_path / "run"
    result = invoke("schedule", "debug=quick", "schedule.problems=[]", f"loop.surrogates_from={old}", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert "extent" not in _model_json(run, "heat")


def test_damaged_extent_refused(fitted_run, tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(fitted_run, damaged)
    path = damaged / "models" / "heat" / "model.json"
    meta = json.loads(path.read_text())
    meta["extent"]["x"] = [9.0, "0"]
    path.write_text(json.dumps(meta))
    run = tmp_path / "run"
    assert_refused(["schedule", "debug=quick", f"loop.surrogates_from={damaged}", f"hydra.run.dir={run}"],
                   ["model.json", "'extent'", "[least, largest]"], inputs=[damaged], run_dir=run)


# -- optimize: a constraint limit in another unit -----------------------------------------------------------------------

CHEAP = ["debug=quick", "optimize.baseline.trials=2", "optimize.sensitivity.sobol_n=64", "optimize.sensitivity.oat_points=2",
         "surrogate=rf", "surrogate.params.n_estimators=10", "surrogate.cv_folds=2", "report=false"]


@pytest.mark.parametrize("constraint, said", [
    ('{response: subsidence_cm, op: "<=", limit: 120}', "subsidence_cm <= 120 holds in every run (8.033 to 13.05)"),
    ('{response: ore_t, op: ">=", limit: 50}', "ore_t >= 50 holds in every run (5.096e+04 to 8.076e+04)"),
    ('{response: subsidence_cm, op: "<=", limit: 12}', None),  # near miss: the example's limit binds some runs
])
def test_constraint_every_run_meets_is_said(tmp_path, constraint, said):
    """subsidence_cm <= 120 (a limit in mm against responses in cm) gave the unconstrained front, exit 0, not a word."""
    run = tmp_path / "run"
    result = invoke("optimize", *CHEAP, f"optimize.constraints=[{constraint}]", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    if said is None:
        assert "holds in every run" not in output
    else:
        assert f"warning: optimize.constraints[0]: {said}, so it constrains no design (a limit in another unit?)" in output


def test_constraint_no_design_meets_names_the_runs_range(tmp_path):
    """subsidence_cm <= 0.12 (a limit in m) was refused without the responses' range, so nothing pointed at the unit."""
    run = tmp_path / "run"
    assert_refused(["optimize", *CHEAP, 'optimize.constraints=[{response: subsidence_cm, op: "<=", limit: 0.12}]',
                    f"hydra.run.dir={run}"],
                   "no design in the variable bounds satisfies them on the surrogate: subsidence_cm <= 0.12 (runs 8.033 to 13.05); "
                   "expected limits some designs meet, in the responses' units", run_dir=run)


# -- schedule: a forecast table with a month given twice -----------------------------------------------------------------


def _gold_forecast(path: Path, *, twice: bool) -> Path:
    """A forecast table of two models, 12 months of 2026 at 2000 + 100 a month (arima) in USD/oz; ``twice``: arima's
    first month appended again."""
    import datetime as dt

    import polars as pl

    rows = [{"date": dt.date(2026, month, 1), "model": model, "forecast": 2000.0 + 100 * (month - 1) + offset,
             "lower": None, "upper": None, "unit": "USD/oz"} for model, offset in (("arima", 0.0), ("naive", 50.0))
            for month in range(1, 13)]
    pl.DataFrame(rows[:1] + rows if twice else rows).write_parquet(path)
    return path


def test_forecast_month_given_twice_refused(tmp_path):
    """arima's 2026-01 twice: price.month=3 priced the blocks at 2,100 (February), not 2,200, exit 0."""
    table, run = _gold_forecast(tmp_path / "forecast.parquet", twice=True), tmp_path / "run"
    assert_refused(["schedule", "debug=quick", f"price.forecast_table={table}", "price.month=3", "schedule.problems=[upit]",
                    "loop.enabled=false", f"hydra.run.dir={run}"],
                   "price.forecast_table: arima's date 2026-01-01 in two rows; expected one forecast a month", inputs=[table], run_dir=run)


def test_forecast_months_of_two_models_run(tmp_path):
    """Near miss: each model's months once (the dates repeat across models, as a forecast run writes them)."""
    table, run = _gold_forecast(tmp_path / "forecast.parquet", twice=False), tmp_path / "run"
    result = invoke("schedule", "debug=quick", f"price.forecast_table={table}", "price.month=3", "schedule.problems=[upit]",
                    "loop.enabled=false", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert json.loads((run / "metrics.json").read_text())["schedule.price"] == 2200.0
