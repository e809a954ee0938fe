"""Bad-input corpus, degenerate but well-formed data for `minectl forecast`, `optimize`,
`schedule` and `factors`: a flat price, prices near 1e-300, an interval level a rounding below 1,
simulator responses near 1e-20 or 1e40, a schedule that meets its LP bound exactly, subnormal
block values, a stope extension without costs, data columns constant up to rounding. Each is
measured right (numpy, a hand computation) or refused in one line.

Each case was, before: R^2 printed as nan; an RMSE of 0 below an MAE of 1e-302 and no R^2
(squares underflowed); NaN or [0, inf] intervals after a numpy warning (the level); a recommended
design predicted at 0 (responses near 1e-20) or at 1e38 after a numpy overflow warning (near 1e40)
by the LightGBM surrogate; a gap of -2.6e-16 (-0.00 %); an OverflowError traceback (subnormal
block values); a math domain error traceback (no costs); a fixed diesel price refused as "a linear
function of 'haul_km'", and a constant cost given betas fitted to its rounding noise.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused
from typer.testing import CliRunner

from minectl.cli import app
from minectl.factors.derived import derive_edges
from minectl.optimize.simulator import ProbabilityIntegralSimulator
from minectl.optimize.surrogate import LightGBMRegressor


def _metrics(args: list[object], run: Path) -> tuple[dict, str]:
    result = CliRunner().invoke(app, [*map(str, args), f"hydra.run.dir={run}"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text()), result.output


# -- forecast: prices near the smallest normal numbers ----------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("scale", [1e-300, 1.0, 1e150])
def test_backtest_accuracy_of_tiny_and_huge_prices_is_the_scaled_accuracy(tmp_path, scale):
    """Naive one-step forecasts of the last 6 months: each is the month before (by hand)."""
    base = 100 + np.array([0, 3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7], float)
    path = tmp_path / "prices.csv"
    path.write_text("date,value\n" + "".join(f"2020-{m + 1:02d},{float(v * scale)!r}\n" if m < 12 else f"2021-{m - 11:02d},{float(v * scale)!r}\n"
                                             for m, v in enumerate(base)))
    metrics, _ = _metrics(["forecast", f"series={path}", "forecaster=[naive]", "forecast.tune=naive", "forecast.horizon=1",
                           "forecast.backtest_months=6", "forecast.backtest_horizons=[1]", "forecast.validation_months=2"], tmp_path / "run")
    actual, forecast = base[-6:], base[-7:-1]  # in units of `scale`
    error = forecast - actual
    assert metrics["backtest.mae.naive"] == pytest.approx(np.mean(np.abs(error)) * scale, rel=1e-12)
    assert metrics["backtest.rmse.naive"] == pytest.approx(np.sqrt(np.mean(error**2)) * scale, rel=1e-12)  # was 0.0
    r2 = 1 - np.sum(error**2) / np.sum((actual - actual.mean()) ** 2)
    assert metrics["backtest.r2.naive"] == pytest.approx(r2, rel=1e-12)  # was NaN, left out
    assert metrics["backtest.mape.naive"] == pytest.approx(np.mean(np.abs(error) / actual) * 100, rel=1e-12)


def test_a_flat_price_scores_zero_errors_and_no_r2(tmp_path):
    """A price of 100 every month: the naive model is exact; R^2 = 1 - 0/0 has no value (it was printed as nan)."""
    path = tmp_path / "flat.csv"
    path.write_text("date,value\n" + "".join(f"2020-{m:02d},100\n" for m in range(1, 13)))
    metrics, output = _metrics(["forecast", f"series={path}", "forecaster=[naive]", "forecast.tune=naive", "forecast.horizon=1",
                                "forecast.backtest_months=3", "forecast.backtest_horizons=[1]", "forecast.validation_months=2"],
                               tmp_path / "run")
    assert {key: metrics[f"backtest.{key}.naive"] for key in ("mape", "mae", "rmse")} == {"mape": 0.0, "mae": 0.0, "rmse": 0.0}
    assert "backtest.r2.naive" not in metrics
    assert "n/a" in output and "nan" not in output


def test_an_interval_level_whose_normal_quantile_is_infinite_is_refused(tmp_path):
    """The largest float below 1 passes (0, 1), but 0.5 + level / 2 rounds to 1: the naive model's
    intervals were NaN (0 x inf on a flat series) and ARIMA's [0, inf], after a numpy warning."""
    path = tmp_path / "flat.csv"
    path.write_text("date,value\n" + "".join(f"2020-{m:02d},100\n" for m in range(1, 13)))
    run = tmp_path / "run"
    assert_refused(["forecast", f"series={path}", "forecaster=[naive]", "forecast.tune=naive", "forecast.horizon=1",
                    "forecast.backtest_months=3", "forecast.backtest_horizons=[1]", "forecast.validation_months=2",
                    "forecast.interval_level=0.9999999999999999", f"hydra.run.dir={run}"],
                   "interval_level: expected a value in (0, 1), at most 1 - 2.2e-16 (a finite normal quantile), got 0.9999999999999999",
                   inputs=[path], run_dir=run, in_process=False)


# -- optimize: simulator responses far from 1 --------------------------------------------------------

@pytest.mark.parametrize("scale", [1e-20, 1e-300, 1e40, 1e150])
def test_lightgbm_surrogate_of_tiny_and_huge_responses_is_the_scaled_surrogate(scale):
    """40 closed-form runs; LightGBM learnt float32 labels against fixed epsilons: 0 at 1e-20,
    1e38 (and a numpy overflow warning) at 1e40."""
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(18, 25, 40), rng.uniform(0.5, 3.0, 40)])
    ore = ProbabilityIntegralSimulator().evaluate(X)[:, 1]
    reference = LightGBMRegressor(random_state=0).fit(X, ore).predict(X)
    assert np.ptp(reference) > 0  # it learnt something: a scaled copy would show a wrong scale
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scaled = LightGBMRegressor(random_state=0).fit(X, ore * scale).predict(X)
    np.testing.assert_allclose(scaled / scale, reference, rtol=1e-6)  # LightGBM's labels are float32 (6e-8)


def test_a_surrogate_that_learnt_a_constant_is_refused(tmp_path):
    """10 runs: no LightGBM leaf of min_child_samples=10 can split them, and every design was predicted
    alike: 24 'Pareto' designs of one predicted point, a decision score of 0, every Sobol index 0."""
    run = tmp_path / "run"
    assert_refused(["optimize", "debug=quick", "doe=lhs", "doe.n=10", f"hydra.run.dir={run}"],
                   ["surrogate: the lightgbm surrogate fitted to 10 runs predicts one value of 'subsidence_cm' for every "
                    "run, which ranges over", "expected a surrogate that learns it: more runs (doe.n)"], run_dir=run)


def test_sobol_indices_of_too_few_samples_are_refused(tmp_path):
    """sobol_n=2 gave first-order indices of -5.6 and 4.3 (n=64: 0.58 and 0.43, as n=16384 within 0.02)."""
    run = tmp_path / "run"
    assert_refused(["optimize", "debug=quick", "optimize.sensitivity.sobol_n=2", f"hydra.run.dir={run}"],
                   "optimize.sensitivity.sobol_n=2 is out of range; expected an integer >= 64", run_dir=run)


# -- schedule: an LP bound the schedule meets exactly ------------------------------------------------

def test_a_schedule_at_its_bound_has_a_gap_of_zero_not_minus_rounding(tmp_path):
    """Two blocks stacked, one a period: the top one (-1) in period 1, the ore (3) in period 2;
    NPV -1 + 3 / 1.1 by hand, the LP bound the same; the gap was -2.6e-16 (-0.00 %)."""
    folder = tmp_path / "ml"
    folder.mkdir()
    (folder / "t.prec").write_text("0 0\n1 1 0\n")
    (folder / "t.upit").write_text("NAME: t\nTYPE: UPIT\nNBLOCKS: 2\nOBJECTIVE_FUNCTION:\n0 -3\n1 3\n")
    (folder / "t.cpit").write_text("NAME: t\nTYPE: CPIT\nNBLOCKS: 2\nNPERIODS: 2\nNRESOURCE_SIDE_CONSTRAINTS: 1\n"
                                   "DISCOUNT_RATE: 0.1\nRESOURCE_CONSTRAINT_LIMITS:\n0 0 L 1\n0 1 L 1\nOBJECTIVE_FUNCTION:\n"
                                   "0 -1\n1 3\nRESOURCE_CONSTRAINT_COEFFICIENTS:\n0 0 1\n1 0 1\nEOF\n")
    metrics, output = _metrics(["schedule", f"minelib.path={folder}", "minelib.name=t", "minelib.blocks_file=false",
                                "schedule.problems=[upit,cpit]", "loop.enabled=false"], tmp_path / "run")
    assert metrics["schedule.upit.value"] == 0.0  # -3 + 3: mining the pair gains nothing
    assert metrics["schedule.cpit.value"] == pytest.approx(-1 + 3 / 1.1, rel=1e-12)
    assert metrics["schedule.cpit.bound"] == pytest.approx(-1 + 3 / 1.1, rel=1e-12)
    assert metrics["schedule.cpit.gap"] == 0.0
    assert "gap 0.00%" in output and "-0.00" not in output


def test_an_ultimate_pit_of_subnormal_block_values_is_solved(tmp_path):
    """Ore of 1.5e-323 under waste of -5e-324 (subnormal: values in a currency's 1e-330ths): the pit
    takes both, worth 1e-323 by hand; finding its decimals took 10.0**309, an OverflowError traceback."""
    folder = tmp_path / "ml"
    folder.mkdir()
    (folder / "t.prec").write_text("0 0\n1 1 0\n")
    (folder / "t.upit").write_text("NAME: t\nTYPE: UPIT\nNBLOCKS: 2\nOBJECTIVE_FUNCTION:\n0 -5e-324\n1 1.5e-323\n")
    metrics, _ = _metrics(["schedule", f"minelib.path={folder}", "minelib.name=t", "minelib.blocks_file=false",
                           "schedule.problems=[upit]", "loop.enabled=false"], tmp_path / "run")
    assert metrics["schedule.upit.blocks"] == 2 and metrics["schedule.upit.value"] == -5e-324 + 1.5e-323 == 1e-323
    assert metrics["schedule.upit.exact"] == 0  # no power of ten up to 10^332 makes 5e-324 (2^-1074) an integer


def test_a_stope_extension_without_costs_pays_at_any_price(tmp_path):
    """No mining, processing or development cost: the breakeven is 0 and every price pays (its log
    was a math domain error traceback). Seed 004's 1 x 20 x 3 m at SG 2.75 and 4 g/t, 90 % recovered."""
    metrics, _ = _metrics(["schedule", "debug=quick", "schedule.problems=[]", "loop.enabled=false", "stope.enabled=true",
                           "stope.mining_cost_t=0", "stope.processing_cost_t=0", "stope.development_cost_m=0"], tmp_path / "run")
    ounces = 1 * 20 * 3 * 2.75 * 4 / 31.1034768
    assert metrics["schedule.stope.breakeven_price"] == 0.0 and metrics["schedule.stope.probability_pays"] == 1.0
    assert metrics["schedule.stope.net_value"] == pytest.approx(ounces * 0.9 * 2000, rel=1e-12)



def test_a_stope_extension_of_grade_zero_never_pays_and_writes_no_breakeven(tmp_path):
    """No recovered ounce: the breakeven was inf, written to metrics.json as Infinity (no JSON) and
    printed as US$inf/oz."""
    run = tmp_path / "run"
    metrics, output = _metrics(["schedule", "debug=quick", "schedule.problems=[]", "loop.enabled=false", "stope.enabled=true",
                                "stope.grade_g_t=0"], run)
    assert "schedule.stope.breakeven_price" not in metrics and metrics["schedule.stope.probability_pays"] == 0.0
    json.loads((run / "metrics.json").read_text(), parse_constant=lambda name: pytest.fail(f"{name} in metrics.json"))
    assert "breakeven none (no recovered ounces: never pays), P(pays) 0.000" in " ".join(output.split())
    assert pl.read_parquet(run / "tables" / "stope.parquet")["breakeven_price"].to_list() == [None]


# -- factors: data columns constant up to rounding -----------------------------------------------------

def test_data_columns_constant_up_to_rounding_are_constant_columns():
    """A fixed diesel price of 1.37 as cost / quantity (1.3699999999999997 .. 1.37) and a cost of
    137 or one ulp above give no edge, as exactly constant columns do."""
    rng = np.random.default_rng(1)
    days = 60
    haul, qty = rng.uniform(2, 5, days), rng.uniform(1000, 3000, days)
    frame = pl.DataFrame({"date": pl.date_range(dt.date(2024, 1, 1), dt.date(2024, 2, 29), eager=True), "haul_km": haul,
                          "qty_diesel": qty, "cost_res_diesel": qty * 0.7 + qty * 0.67,
                          "transport": 50 * haul + 0.3 * qty + rng.normal(0, 5, days), "flat_cost": np.where(rng.random(days) < 0.5, 137.0, np.nextafter(137.0, 138))})
    assert (frame["cost_res_diesel"] / frame["qty_diesel"]).head(42).n_unique() > 1 and frame["flat_cost"].head(42).n_unique() > 1
    settings = dict(train_fraction=0.7, n_resamples=20, block_length=7, min_effect=0.1, confidence=0.95, seed=0)
    edges = derive_edges(frame, {"haul_km": "haul_distance", "cost_res_diesel/qty_diesel": "diesel_price"},
                         {"transport": "transport_cost", "flat_cost": "other_cost"}, **settings)
    rows = {(r["column"], r["cost_column"]): r for r in edges.estimates.iter_rows(named=True)}
    assert rows["cost_res_diesel/qty_diesel", "*"]["status"] == "constant column"  # was refused: "a linear function of 'haul_km'"
    assert rows["*", "flat_cost"]["status"] == "constant column"  # was given betas of its noise
    train = frame.head(42)  # 0.7 of 60 days; one driver left: its standardised beta is the correlation
    assert rows["haul_km", "transport"]["beta"] == pytest.approx(np.corrcoef(train["haul_km"], train["transport"])[0, 1], rel=1e-9)
    assert len(rows) == 3


# -- factors: the seed's Table 12 beside the decision matrix -----------------------------------------

TABLE12 = Path(__file__).resolve().parents[2] / "conf" / "factors" / "seed001" / "table12.csv"


def test_the_seed_table_joins_the_matrix_by_code_not_by_row(tmp_path):
    """Table 12 listed F9..F1 gave spearman_entropy_vs_seed +0.310 instead of -0.024: its rows were
    attached to the matrix's columns by position."""
    reversed_rows = tmp_path / "table12_reversed.csv"
    pl.read_csv(TABLE12).reverse().write_csv(reversed_rows)
    as_given, _ = _metrics(["factors", "debug=quick"], tmp_path / "given")
    reordered, _ = _metrics(["factors", "debug=quick", f"factors.entropy.factors={reversed_rows}"], tmp_path / "reversed")
    for key in ("ranking.spearman_entropy_vs_seed", "ranking.spearman_graph_vs_seed_nodes", "ranking.spearman"):
        assert reordered[key] == as_given[key]
    assert as_given["ranking.spearman_entropy_vs_seed"] == pytest.approx(-0.0238, abs=1e-4)


def test_a_code_twice_in_the_seed_table_and_a_constant_matrix_column_are_named(tmp_path):
    twice = tmp_path / "table12_twice.csv"
    table = pl.read_csv(TABLE12)
    pl.concat([table, table.head(1)]).write_csv(twice)
    assert_refused(["factors", "debug=quick", f"factors.entropy.factors={twice}", f"hydra.run.dir={tmp_path / 'a'}"],
                   f"{twice}: code 'F1' on two rows; expected one row per column of", run_dir=tmp_path / "a")
    matrix = tmp_path / "table11.csv"
    pl.read_csv(TABLE12.parent / "table11.csv").with_columns(F3=pl.lit(5)).write_csv(matrix)
    assert_refused(["factors", "debug=quick", f"factors.entropy.matrix={matrix}", f"hydra.run.dir={tmp_path / 'b'}"],
                   f"{matrix}: column(s) 'F3' of the decision matrix are constant", run_dir=tmp_path / "b")
