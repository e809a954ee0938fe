"""`minectl schedule` end to end: the stope example's figures, newman1's ultimate pit through the
CLI, the ML loop's outputs, a forecast run's price, and refused inputs."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import polars as pl
import pytest
from scipy.stats import lognorm

from minectl.schedule.stope import extension, lognormal_from_interval, probability_pays, probability_pays_samples
from tests.badinput.harness import assert_refused

REPO = Path(__file__).resolve().parents[2]
NEWMAN1 = REPO / "examples/data/minelib_newman1"


def metrics(run_dir: Path) -> dict:
    return json.loads((run_dir / "metrics.json").read_text())


def test_stope_extension_reproduces_the_seed(cli, tmp_path):
    result = cli("schedule", "+experiment=stope_extension", f"hydra.run.dir={tmp_path}")
    assert result.exit_code == 0, result.output
    m = metrics(tmp_path)
    assert m["schedule.stope.tonnes"] == pytest.approx(165.0)  # 1 x 20 x 3 m x 2.75
    assert round(m["schedule.stope.ounces"], 1) == 21.2  # 165 t x 4 g/t / 31.1034768 g/oz
    assert round(m["schedule.stope.in_situ_value"], -2) == 42_400  # x US$2,000/oz
    ext = extension(1, 20, 3, 2.75, 4, 2000, 0.9, 60, 30, 8000)
    assert ext.breakeven_price == pytest.approx((165 * 90 + 8000) / (165 * 4 / 31.1034768 * 0.9))
    assert m["schedule.stope.probability_pays"] == pytest.approx(lognorm(s=0.15, scale=2000).sf(ext.breakeven_price))


def test_probability_helpers():
    assert probability_pays(1500, 2000, 0.0) == 1.0 and probability_pays(2500, 2000, 0.0) == 0.0
    assert probability_pays(2000, 2000, 0.3) == pytest.approx(0.5)
    assert probability_pays_samples(1000, [900, 1100, 1200, 800]) == 0.5
    sigma = lognormal_from_interval(2000, 2000 * math.exp(-0.2 * 1.6448536), 2000 * math.exp(0.2 * 1.6448536), 0.9)
    assert sigma == pytest.approx(0.2, rel=1e-6)


def test_newman1_ultimate_pit_through_the_cli(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    result = cli("schedule", "+experiment=newman1", "schedule.problems=[upit]", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    m = metrics(tmp_path / "run")
    assert round(m["schedule.upit.value"]) == 26_086_899 and m["schedule.upit.blocks"] == 1059 and m["schedule.feasible"] == 1
    blocks = pl.read_parquet(tmp_path / "run/tables/blocks.parquet")
    assert blocks.height == 1060 and blocks.filter(~pl.col("in_pit"))["block"].to_list() == [78]
    # MineLib's published value, built in by instance name, is reported next to ours (the pit is exact: 0 %)
    assert m["schedule.upit.best_known"] == 26_086_899 and abs(m["schedule.upit.vs_best_known"]) < 1e-8
    copy = tmp_path / "renamed"
    shutil.copytree(NEWMAN1, copy)
    for path in copy.glob("newman1.*"):
        path.rename(copy / path.name.replace("newman1", "mine_a"))
    result = cli("schedule", f"minelib.path={copy}", "minelib.name=mine_a", "minelib.blocks_file=false", "schedule.problems=[upit]",
                 "+minelib.best_known.upit=26000000", f"hydra.run.dir={tmp_path / 'own'}")
    assert result.exit_code == 0, result.output
    own = metrics(tmp_path / "own")  # an instance of one's own: only the value the config gives
    assert own["schedule.upit.best_known"] == 26_000_000 and own["schedule.upit.vs_best_known"] == pytest.approx(86_899.03 / 26e6)


def test_synthetic_run_compares_static_and_ml_plans(cli, tmp_path):
    result = cli("schedule", "debug=quick", "synthetic.write_minelib=true", f"hydra.run.dir={tmp_path}")
    assert result.exit_code == 0, result.output
    m = metrics(tmp_path)
    assert m["schedule.feasible"] == 1 and m["schedule.cpit.value"] <= m["schedule.cpit.bound"] + 1e-6
    assert m["schedule.upit.value"] >= m["schedule.cpit.value"]  # undiscounted, uncapacitated: an upper bound
    comparison = pl.read_parquet(tmp_path / "tables/comparison.parquet")
    assert comparison["plan"].to_list() == ["static", "ml", "oracle"]
    oracle = comparison.filter(pl.col("plan") == "oracle")
    assert oracle["npv_true"][0] == pytest.approx(oracle["npv_planned"][0])  # the oracle plans on the truth
    assert m["schedule.loop.dilution_mae.ml"] < m["schedule.loop.dilution_mae.static"]
    assert m["schedule.loop.burst_mae.ml"] < m["schedule.loop.burst_mae.static"]
    for name in ("schedule", "periods", "blocks", "loop_periods"):
        assert (tmp_path / "tables" / f"{name}.parquet").exists()
    assert sorted(p.name for p in (tmp_path / "minelib").iterdir()) == [
        "synthetic.blocks", "synthetic.cpit", "synthetic.pcpsp", "synthetic.prec", "synthetic.upit"]


@pytest.mark.slow
def test_the_default_run_is_reproducible(cli, tmp_path):
    """The default `minectl schedule` (synthetic model, CPIT and the three loop plans): work limits,
    not the clock, end every solve, so two runs agree on every metric but the wall-clock ones."""
    from minectl.results import compare_metrics

    runs = [tmp_path / "a", tmp_path / "b"]
    for run in runs:
        result = cli("schedule", f"hydra.run.dir={run}")
        assert result.exit_code == 0, result.output
    first, second = metrics(runs[0]), metrics(runs[1])
    assert first["schedule.cpit.time_limited"] == 0 and first["schedule.loop.time_limited"] == 0 and first["schedule.feasible"] == 1
    assert compare_metrics(first, second) == []
    assert pl.read_parquet(runs[0] / "tables/blocks.parquet").equals(pl.read_parquet(runs[1] / "tables/blocks.parquet"))


def test_price_from_a_forecast_table(cli, tmp_path):
    table = tmp_path / "forecast.parquet"
    pl.DataFrame({"model": ["naive", "naive"], "forecast": [2100.0, 2200.0], "lower": [1800.0, 1700.0],
                  "upper": [2400.0, 2600.0]}).write_parquet(table)
    run = tmp_path / "run"
    result = cli("schedule", "+experiment=stope_extension", f"price.forecast_table={table}", "price.month=2", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    m = metrics(run)
    assert m["schedule.price"] == 2200.0 and m["schedule.stope.price_sigma"] == pytest.approx(math.log(2600 / 1700) / (2 * 1.6448536), rel=1e-6)


def test_refused_inputs(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(NEWMAN1, folder)
    (folder / "newman1.prec").write_text((NEWMAN1 / "newman1.prec").read_text().replace("9 5 3 7 10 14 20", "9 5 3 7 10 14 2000"))
    assert_refused(["schedule", f"minelib.path={folder}", "schedule.problems=[upit]", f"hydra.run.dir={tmp_path / 'r1'}"],
                   "block 9 has dangling predecessor 2000", inputs=[folder], run_dir=tmp_path / "r1")
    assert_refused(["schedule", "schedule.problems=[upit,xpit]", f"hydra.run.dir={tmp_path / 'r2'}"],
                   "schedule.problems[1]='xpit'; expected one of upit, cpit, pcpsp", run_dir=tmp_path / "r2")
    assert_refused(["schedule", "schedule.time_limit_s=0", f"hydra.run.dir={tmp_path / 'r3'}"], "schedule.time_limit_s", run_dir=tmp_path / "r3")
    assert_refused(["schedule", "schedule.window_sweeps=-1", f"hydra.run.dir={tmp_path / 'r6'}"], "schedule.window_sweeps", run_dir=tmp_path / "r6")
    assert_refused(["schedule", "schedule.relaxation=dual", f"hydra.run.dir={tmp_path / 'r7'}"], "schedule.relaxation='dual'",
                   run_dir=tmp_path / "r7")
    # the loop's surrogates are named by class: a regressor where a classifier is needed, a misspelt parameter
    assert_refused(["schedule", "loop.burst_model._target_=sklearn.linear_model.LinearRegression", f"hydra.run.dir={tmp_path / 'r4'}"],
                   "loop.burst_model._target_: sklearn.linear_model.LinearRegression has no predict_proba", run_dir=tmp_path / "r4")
    assert_refused(["schedule", "loop.dilution_model.params.max_iterr=3", f"hydra.run.dir={tmp_path / 'r5'}"],
                   "loop.dilution_model.params.max_iterr: unknown parameter of HistGradientBoostingRegressor", run_dir=tmp_path / "r5")


def test_rolling_replan_follows_the_price_path(cli, tmp_path):
    result = cli("schedule", "debug=quick", "schedule.problems=[]", "schedule.mip=false", "loop.price_path=[1,1.5,1.5,0.5]",
                 f"hydra.run.dir={tmp_path / 'on'}")
    assert result.exit_code == 0, result.output
    replan = pl.read_parquet(tmp_path / "on/tables/replan.parquet")
    assert replan["plan"].to_list() == ["fixed"] * 4 + ["rolling"] * 4
    assert replan["price"].to_list()[:4] == [2000.0, 3000.0, 3000.0, 1000.0]
    m = metrics(tmp_path / "on")
    total = {plan: replan.filter(pl.col("plan") == plan)["discounted"].sum() for plan in ("fixed", "rolling")}
    assert m["schedule.replan.npv.rolling"] == pytest.approx(total["rolling"]) and m["schedule.replan.npv.fixed"] == pytest.approx(total["fixed"])
    # period 0 is planned by both at the first price over the same horizon (deterministic without the MIP)
    first = replan.filter(pl.col("period") == 0)
    assert first["cash"][0] == first["cash"][1] and first["blocks"][0] == first["blocks"][1] > 0
    # with ventilation (the default) both plans keep every period's true cooling demand within the plant
    capacity = replan["cooling_capacity_mwh"].unique().to_list()
    assert len(capacity) == 1 and (replan["cooling_true_mwh"] <= capacity[0] * (1 + 1e-6)).all()
    off = cli("schedule", "debug=quick", "schedule.problems=[]", "schedule.mip=false", "loop.price_path=[1,1.5,1.5,0.5]",
              "loop.ventilation=false", f"hydra.run.dir={tmp_path / 'off'}")
    assert off.exit_code == 0, off.output
    assert "cooling_true_mwh" not in pl.read_parquet(tmp_path / "off/tables/replan.parquet").columns


def test_a_disabled_loop_imports_no_estimator_but_is_still_checked(tmp_path):
    """loop.enabled=false: its surrogates are not built, so their classes are not imported
    (scikit-learn costs most of a second of the ultimate-pit command); what can be checked
    without an import still is."""
    import subprocess
    import sys

    code = (
        "import sys; from minectl.cli import main;"
        f"sys.argv = ['minectl', 'schedule', 'minelib.path={NEWMAN1}', 'schedule.problems=[upit]', 'loop.enabled=false',"
        f" 'report=false', 'hydra.run.dir={tmp_path / 'run'}'];"
        "import atexit; atexit.register(lambda: print('SKLEARN', 'sklearn' in sys.modules));"
        "main()"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path).stdout
    assert "SKLEARN False" in out
    assert round(metrics(tmp_path / "run")["schedule.upit.value"]) == 26_086_899
    assert_refused(["schedule", "loop.enabled=false", "loop.grade_model._target_=os.system", f"hydra.run.dir={tmp_path / 'r1'}"],
                   "loop.grade_model._target_: 'os.system' is not allowed", run_dir=tmp_path / "r1")
    assert_refused(["schedule", "loop.enabled=false", "+loop.grade_model.paramz=1", f"hydra.run.dir={tmp_path / 'r2'}"],
                   "loop.grade_model.paramz", run_dir=tmp_path / "r2")
    assert_refused(["schedule", "loop.enabled=false", "loop.holes=0", f"hydra.run.dir={tmp_path / 'r3'}"],
                   "loop.holes", run_dir=tmp_path / "r3")
