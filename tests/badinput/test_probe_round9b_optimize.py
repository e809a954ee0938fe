"""Round 9b probes of `minectl optimize`: an engineer's own runs table, objectives, weights and price paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused

from minectl.optimize.decision import price_weights
from minectl.optimize.doe import check_runs, full_factorial
from minectl.optimize.simulator import ProbabilityIntegralSimulator

VARIABLES = ["pillar_height_m", "sidewall_thickness_m"]
BOUNDS = np.array([[18.0, 25.0], [0.5, 3.0]])


def write_runs(path: Path, edit: dict[int, float] | None = None) -> Path:
    """20 runs (4 x 5 factorial) of the embedded simulator as a FLAC3D export has them: a run id and a
    notes column besides the variables and responses; ``edit`` overwrites subsidence_cm by run index."""
    X = full_factorial(BOUNDS, [4, 5])
    Y = ProbabilityIntegralSimulator().evaluate_columns(X, variables=VARIABLES)
    subsidence = Y[:, 0].copy()
    for run, value in (edit or {}).items():
        subsidence[run] = value
    pl.DataFrame({"run": [f"R{i}" for i in range(len(X))], "pillar_height_m": X[:, 0], "sidewall_thickness_m": X[:, 1],
                  "subsidence_cm": subsidence, "ore_t": Y[:, 1], "notes": ["ok"] * len(X)}).write_csv(path)
    return path


@pytest.mark.parametrize("code", [-999.0, 9999.0])
def test_a_failed_run_coded_as_nines_is_refused_not_fitted(tmp_path, code):
    # Fitted, -999 cm among settlements of 8.0-13.1 cm made the recommended design's predicted settlement -205.7 cm.
    path = write_runs(tmp_path / "runs.csv", {7: code})
    run_dir = tmp_path / "run"
    assert_refused(["optimize", "debug=quick", "surrogate=rf", "simulator=table", f"simulator.path={path}",
                    f"hydra.run.dir={run_dir}"],
                   [f"{path}: run 8 has subsidence_cm = {code:g}, a missing-value code far outside the other runs (8.0333 to 13.0536)",
                    "simulator.drop_incomplete=true"], inputs=[path], run_dir=run_dir)


def test_nines_within_the_other_runs_range_are_results():
    # 99 t among 50-150 t and 9999 t among 5000-15000 t are plausible results, not codes.
    X = full_factorial(BOUNDS, [2, 2])
    rows = np.arange(1, 5)
    check_runs(X, np.array([[1.0, 50.0], [2.0, 99.0], [3.0, 120.0], [4.0, 150.0]]), rows, BOUNDS, VARIABLES, ["a", "b"])
    check_runs(X, np.array([[1.0, 5000.0], [2.0, 9999.0], [3.0, 12000.0], [4.0, 15000.0]]), rows, BOUNDS, VARIABLES, ["a", "b"])
    with pytest.raises(ValueError, match="run 2 has b = -99, a missing-value code"):
        check_runs(X, np.array([[1.0, 50.0], [2.0, -99.0], [3.0, 60.0], [4.0, 70.0]]), rows, BOUNDS, VARIABLES, ["a", "b"])


@pytest.mark.parametrize("second", ["max", "min"])
def test_a_response_in_two_objectives_is_named_at_the_objective(tmp_path, second):
    # Was: "optimize.decision.weights_at_low: expected a weight for each objective: subsidence_cm, subsidence_cm
    # (it also has ore_t ...)", a weight map no one can write (its keys are the responses).
    run_dir = tmp_path / "run"
    objectives = f"optimize.objectives=[{{response: subsidence_cm, sense: min}},{{response: subsidence_cm, sense: {second}}}]"
    assert_refused(["optimize", "debug=quick", objectives, f"hydra.run.dir={run_dir}"],
                   "optimize.objectives[1].response: 'subsidence_cm' is already optimize.objectives[0]; expected each response "
                   "in one objective", run_dir=run_dir)


def test_weight_anchors_in_percent_and_in_fractions_weigh_alike():
    # At price 380 in the 300-450 band the share is 80/150 = 0.5333: 0.4667 x 0.8 + 0.5333 x 0.2 = 0.48 on subsidence.
    # Interpolated raw, 80/20 against 0.2/0.8 gave 0.7932 / 0.2068: the percent anchor held the weights at any price.
    assert price_weights(380, 300, 450, [80, 20], [0.2, 0.8]).tolist() == pytest.approx([0.48, 0.52])
    assert price_weights(380, 300, 450, [0.8, 0.2], [20, 80]).tolist() == pytest.approx([0.48, 0.52])
    assert price_weights(450, 300, 450, [80, 20], [0.2, 0.8]).tolist() == pytest.approx([0.2, 0.8])


def test_a_price_path_without_the_price_column_names_the_setting_and_the_files_columns(tmp_path):
    # A Prophet export dates its rows by `ds`; the `date` read from it was listed as one of the file's columns.
    prices = tmp_path / "prophet.csv"
    prices.write_text("ds,yhat,yhat_lower,yhat_upper\n2025-01-01,400,350,450\n2025-02-01,300,250,350\n", encoding="utf-8")
    run_dir = tmp_path / "run"
    assert_refused(["optimize", "debug=quick", f"optimize.decision.price_path={prices}", f"hydra.run.dir={run_dir}"],
                   f"{prices}: no column 'forecast' (columns: ds, yhat, yhat_lower, yhat_upper); expected the prices, named by "
                   "optimize.decision.price_column", inputs=[prices], run_dir=run_dir)
