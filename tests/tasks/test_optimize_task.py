"""`minectl optimize` through the CLI: outputs against independent figures, the price rule, a table
simulator with a forecast price, and one-line errors for bad configs."""

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from minectl.optimize import doe
from minectl.optimize.simulator import ProbabilityIntegralSimulator
from tests.conftest import read_metrics

QUICK = ("optimizer=nsga2_quick", "optimize.baseline.trials=10", "optimize.sensitivity.sobol_n=128",
         "optimize.sensitivity.oat_points=5")
REPO = Path(__file__).resolve().parents[2]
FAST = ("debug=quick",)  # conf/debug/optimize: QUICK with a 24 x 15 NSGA-II and no direct run


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    from typer.testing import CliRunner

    from minectl.cli import app

    run_dir = tmp_path_factory.mktemp("optimize") / "run"
    result = CliRunner().invoke(app, ["optimize", *QUICK, f"hydra.run.dir={run_dir}"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return run_dir


def test_default_run_reaches_the_simulator_front(default_run):
    m = read_metrics(default_run)
    tables = {name: pl.read_parquet(default_run / "tables" / f"{name}.parquet") for name in ("doe", "cv", "pareto", "sensitivity")}
    for plot in ("pareto", "convergence"):
        assert (default_run / "plots" / f"{plot}.png").stat().st_size > 10_000
    # DoE: the seed's 88 full-factorial runs, evaluated by the closed-form simulator
    X = doe.full_factorial([[18, 25], [0.5, 3]], [8, 11])
    assert m["doe.runs"] == 88
    assert np.allclose(tables["doe"].select("subsidence_cm", "ore_t").to_numpy(), ProbabilityIntegralSimulator().evaluate(X))
    for response in ("subsidence_cm", "ore_t"):
        means = tables["cv"].filter((pl.col("fold") == -1) & (pl.col("response") == response))
        model, linear = means.filter(pl.col("model") == "lightgbm"), means.filter(pl.col("model") == "linear")
        assert m[f"surrogate.cv_r2.{response}"] == model["r2"][0] > 0.99
        assert m[f"surrogate.cv_mape.{response}"] == model["mape"][0] < 0.01
        assert m[f"surrogate.linear_cv_r2.{response}"] == linear["r2"][0]
        assert m[f"surrogate.cv_mape.{response}"] < m[f"surrogate.linear_cv_mape.{response}"]  # beats the baseline
    assert m["pareto.hv_ratio"] >= 0.98
    pareto = tables["pareto"]
    assert m["pareto.size"] == pareto.height
    assert m["calls.simulator_surrogate_path"] == 88 + pareto.height
    assert pareto.height < m["calls.simulator_direct"] <= 40 * 40
    simulated = ProbabilityIntegralSimulator().evaluate(pareto.select("pillar_height_m", "sidewall_thickness_m").to_numpy())
    assert np.allclose(pareto.select("subsidence_cm_sim", "ore_t_sim").to_numpy(), simulated)
    assert pareto["subsidence_cm_pred"].max() <= 12.0  # the declared constraint, on the surrogate
    # price 380 between the anchors 300 and 450: subsidence weight 0.8 - 0.6 * 80 / 150
    assert m["decision.weight.subsidence_cm"] == pytest.approx(0.48)
    chosen = pareto.filter(pl.col("recommended"))
    assert chosen.height == 1
    for column, key in (("pillar_height_m", "pillar_height_m"), ("ore_t_pred", "ore_t"), ("subsidence_cm_sim", "simulated.subsidence_cm")):
        assert m[f"decision.{key}"] == pytest.approx(chosen[column][0])
    assert {"baseline.score", "baseline.pillar_height_m", "baseline.simulated.ore_t"} <= set(m)
    assert set(tables["sensitivity"]["analysis"]) == {"oat", "sobol_first", "sobol_total"}
    # ore_t = density L S (50 - h) 10 / (10 + w) is additive enough that first and total indices agree
    assert m["sensitivity.sobol_total.ore_t.pillar_height_m"] == pytest.approx(m["sensitivity.sobol_first.ore_t.pillar_height_m"], abs=0.02)


def test_high_price_takes_the_ore_end_and_low_price_the_stable_end(cli, tmp_path):
    ends = {}
    for price in (500, 200, 500):
        run_dir = tmp_path / f"p{price}_{len(ends)}"
        # pure weights at the anchors: Tchebycheff (the default) then goes to the front's ends
        result = cli("optimize", *FAST, f"optimize.decision.price={price}", f"hydra.run.dir={run_dir}",
                     "optimize.decision.weights_at_low={subsidence_cm:1.0,ore_t:0.0}",
                     "optimize.decision.weights_at_high={subsidence_cm:0.0,ore_t:1.0}")
        assert result.exit_code == 0, result.output
        pareto = pl.read_parquet(run_dir / "tables" / "pareto.parquet")
        m = read_metrics(run_dir)
        if price in ends:
            assert m == ends[price]  # same seed, same numbers
        ends[price] = m
        if price == 500:
            assert m["decision.ore_t"] == pytest.approx(pareto["ore_t_pred"].max())
        else:
            assert m["decision.subsidence_cm"] == pytest.approx(pareto["subsidence_cm_pred"].min())
    assert ends[500]["decision.pillar_height_m"] < ends[200]["decision.pillar_height_m"]  # narrower pillars at high prices
    assert "pareto.hv_ratio" not in ends[500]


def test_relative_price_path_under_the_checkout_runs_from_any_directory(cli, tmp_path, monkeypatch):
    """Read and hashed from the same resolved file (the hash once looked for it in the working dir)."""
    monkeypatch.chdir(tmp_path)
    relative = "examples/data/pinksheet_coal/coal_monthly_usd_mt.csv"
    result = cli("optimize", *FAST, f"optimize.decision.price_path={relative}",
                 "optimize.decision.price_column=coal_australia_usd_mt", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    last = pl.read_csv(REPO / relative, infer_schema_length=None)["coal_australia_usd_mt"].drop_nulls()[-1]
    assert read_metrics(tmp_path / "run")["decision.price"] == last
    inputs = json.loads((tmp_path / "run" / "provenance.json").read_text())["inputs"]
    assert list(inputs) == [str(REPO / relative)]


def test_table_simulator_forecast_price_and_field_validation(cli, tmp_path, default_run):
    runs = pl.read_parquet(default_run / "tables" / "doe.parquet").rename({"pillar_height_m": "H_p", "subsidence_cm": "Uz_cm"})
    runs.write_csv(tmp_path / "flac3d_runs.csv")
    pl.DataFrame({"date": [dt.date(2025, 1, 1), dt.date(2025, 2, 1)] * 2, "model": ["naive"] * 2 + ["arima"] * 2,
                  "forecast": [300.0, 300.0, 420.0, 455.0]}).write_parquet(tmp_path / "forecast.parquet")
    run_dir = tmp_path / "run"
    result = cli("optimize", *FAST, "simulator=table", f"simulator.path={tmp_path / 'flac3d_runs.csv'}",
                 "+simulator.columns.H_p=pillar_height_m", "+simulator.columns.Uz_cm=subsidence_cm",
                 f"optimize.decision.price_path={tmp_path / 'forecast.parquet'}", "optimize.decision.price_model=arima",
                 "optimize.field_validation=[{design: {pillar_height_m: 20, sidewall_thickness_m: 1}, measured: {subsidence_cm: 11.0}}]",
                 f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    m = read_metrics(run_dir)
    assert m["decision.price"] == 455.0
    assert m["decision.weight.ore_t"] == pytest.approx(0.8)  # above high_price 450
    assert m["calls.simulator_surrogate_path"] == 88 and "calls.simulator_direct" not in m
    field = pl.read_parquet(run_dir / "tables" / "field.parquet")
    assert field["rel_deviation"][0] == pytest.approx((field["predicted"][0] - 11.0) / 11.0)
    # the surrogate learnt the simulator: its prediction at (20, 1) is close to the hand-computed 11.598 cm
    assert field["predicted"][0] == pytest.approx(11.598, rel=0.01)
    assert m["field.mean_abs_rel_deviation.subsidence_cm"] == pytest.approx(abs(field["rel_deviation"][0]))


@pytest.mark.parametrize("overrides, message", [
    (["optimize.variables.pillar_height_m.low=26"], "optimize.variables.pillar_height_m: low 26.0 must be below high 25.0"),
    (["optimize.objectives.1.response=cost"], "optimize.objectives[1].response: unknown response 'cost'; expected one of: subsidence_cm, ore_t"),
    (["optimize.objectives.0.sense=lowest"], "optimize.objectives[0].sense: 'lowest'; expected min or max"),
    (["optimize.constraints.0.response=tilt"], "optimize.constraints[0].response: unknown response 'tilt'"),
    (["optimize.constraints.0.op='<'"], "optimize.constraints[0].op: '<'; expected <= or >="),
    (["~optimize.variables.sidewall_thickness_m"], "optimize.variables: the pim simulator takes exactly pillar_height_m, sidewall_thickness_m"),
    (["surrogate._target_=xgboost.XGBRegressor"], "surrogate._target_: 'xgboost.XGBRegressor' is not allowed"),
    (["~optimize.decision.weights_at_low.ore_t"], "optimize.decision.weights_at_low: expected a weight for each objective"),
    (["optimize.decision.weights_at_high.ore_t=-1"], "optimize.decision.weights_at_high.ore_t=-1.0 is out of range; expected a finite number >= 0"),
    (["optimize.decision.low_price=500"], "optimize.decision: low_price 500.0 must be below high_price 450.0"),
    (["optimize.decision.price=null"], "optimize.decision: set price=<number> or price_path"),
    (["simulator=table"], "simulator: kind=table needs simulator.path"),
    (["optimize.robustness.train_share=1.5"], "optimize.robustness.train_share=1.5 is out of range; expected a number in (0, 1)"),
    (["optimize.field_validation=[{design: {pillar_height_m: 20}, measured: {subsidence_cm: 9.89}}]"],
     "optimize.field_validation[0].design: expected a value for each of"),
    (["optimize.constraints.0.limit=1"], "optimize.constraints: no design in the variable bounds satisfies them"),
])
def test_bad_config_fails_in_one_line(cli, tmp_path, overrides, message):
    result = cli("optimize", *FAST, *overrides, f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_input_files_fail_in_one_line(cli, tmp_path):
    runs = tmp_path / "runs.csv"
    pl.DataFrame({"pillar_height_m": [18.0, 19.0] * 5, "sidewall_thickness_m": [1.0] * 10, "subsidence_cm": ["a"] * 10,
                  "ore_t": [1.0] * 10}).write_csv(runs)
    no_ore = tmp_path / "no_ore.parquet"
    pl.read_csv(runs).drop("ore_t").write_parquet(no_ore)
    prices = tmp_path / "prices.csv"
    pl.DataFrame({"date": ["2024-01-01", "2024-02-01"], "close": [100.0, 101.0]}).write_csv(prices)
    cases = [
        (["simulator=table", f"simulator.path={runs}"], f"{runs}: column 'subsidence_cm' has 10 values that are not numbers (first at row 1: 'a'); expected numbers"),
        (["simulator=table", f"simulator.path={no_ore}"], f"{no_ore}: no column 'ore_t' (columns: pillar_height_m, sidewall_thickness_m, subsidence_cm)"),
        (["simulator=table", f"simulator.path={runs}", "+simulator.columns.Hp=pillar_height_m"], "simulator.columns names 'Hp', which the file lacks"),
        ([f"optimize.decision.price_path={tmp_path / 'none.csv'}"], "none.csv: not found; expected a file"),
        ([f"optimize.decision.price_path={prices}"], f"{prices}: no column 'forecast' (columns: date, close)"),
    ]
    for overrides, message in cases:
        result = cli("optimize", *FAST, *overrides, f"hydra.run.dir={tmp_path / 'run'}")
        assert result.exit_code == 2, result.output
        assert message in result.output, result.output
