import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from minectl.cli import app


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def metrics(run_dir: Path) -> dict:
    return json.loads((run_dir / "metrics.json").read_text())


def test_pinksheet_experiment_ranges_and_revenue_risk(tmp_path):
    run_dir = tmp_path / "run"
    result = invoke("uncertainty", "+experiment=pinksheet_coal", "debug=quick", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    m = metrics(run_dir)
    prices = pl.read_csv("examples/data/pinksheet_coal/coal_monthly_usd_mt.csv", infer_schema_length=None)["coal_australia_usd_mt"].drop_nulls().to_numpy()
    assert m["uncertainty.level.estimate"] == pytest.approx(prices.mean())
    assert m["uncertainty.level.ci_low"] < prices.mean() < m["uncertainty.level.ci_high"]
    returns = np.diff(np.log(prices))
    revenue = 1e6 * prices[-1] * np.exp(returns)
    worst = np.sort(revenue)[: int(np.ceil(0.05 * revenue.size))]
    assert m["uncertainty.revenue.var"] == pytest.approx(np.quantile(revenue, 0.05, method="inverted_cdf"))
    assert m["uncertainty.revenue.cvar"] <= m["uncertainty.revenue.var"] < m["uncertainty.revenue.expected"]
    assert m["uncertainty.revenue.cvar"] == pytest.approx(worst.mean(), rel=0.01)
    fits = pl.read_parquet(run_dir / "tables" / "fits.parquet")
    assert fits.filter(pl.col("series") == "level")["family"][0] == "lognormal"


def test_same_seed_gives_identical_metrics(tmp_path):
    runs = []
    for name in ("a", "b"):
        assert invoke("uncertainty", "uncertainty.n_resamples=500", f"hydra.run.dir={tmp_path / name}").exit_code == 0
        runs.append(metrics(tmp_path / name))
    assert runs[0] == runs[1]


SHARED_FAILURES = Path("../shared/data/equipment_failures/kumar1989_LHD_failures.csv")


@pytest.mark.skipif(not SHARED_FAILURES.exists(), reason="../shared/data/equipment_failures is absent (GPL data, not vendored)")
def test_equipment_failures_per_machine_with_implied_cost(tmp_path):
    run_dir = tmp_path / "run"
    result = invoke("uncertainty", "+experiment=equipment_failures", "debug=quick", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    m = metrics(run_dir)
    tbf = pl.read_csv(SHARED_FAILURES)
    mtbf_a = tbf.filter(pl.col("machine") == "A")["tbf"].mean()
    assert m["uncertainty.A.level.estimate"] == pytest.approx(mtbf_a)
    assert m["uncertainty.A.level.implied_cost.cost"] == pytest.approx(20000 * 6000 / mtbf_a)
    assert m["uncertainty.A.level.implied_cost.high"] == pytest.approx(20000 * 6000 / m["uncertainty.A.level.ci_low"])
    assert {"A.level", "B.level", "C.level"} == set(pl.read_parquet(run_dir / "tables" / "bootstrap.parquet")["series"])


def test_cost_items_propagation_from_a_parquet(tmp_path):
    rng = np.random.default_rng(0)
    frame = pl.DataFrame({"unit_cost": rng.gamma(20, 5, 200), "energy": rng.gamma(30, 2, 200), "labour": rng.normal(80, 5, 200)})
    path = tmp_path / "daily.parquet"
    frame.write_parquet(path)
    run_dir = tmp_path / "run"
    result = invoke(
        "uncertainty", f"dataset.path={path}", "dataset.column=unit_cost", "dataset.transforms=[level]",
        "dataset.cost_items=[energy,labour]", "uncertainty.copula=false", "uncertainty.n_resamples=500",
        f"hydra.run.dir={run_dir}",
    )
    assert result.exit_code == 0, result.output
    m = metrics(run_dir)
    table = pl.read_parquet(run_dir / "tables" / "propagation.parquet")
    items = table.filter(pl.col("item").is_in(["energy", "labour"]))
    shares = items["mean"].to_numpy() / items["mean"].sum()
    expected_high = 100 * np.sqrt(np.sum((shares * items["range_high_pct"].to_numpy() / 100) ** 2))
    assert m["uncertainty.propagation.analytic.range_high_pct"] == pytest.approx(expected_high)
    # independent items: the Monte Carlo spread of the total is close to the analytic one
    assert m["uncertainty.propagation.monte_carlo.range_high_pct"] == pytest.approx(expected_high, rel=0.15)


@pytest.mark.parametrize(
    "override, message",
    [
        ("dataset.column=nope", "column 'nope' not found"),
        ("dataset.path=missing.csv", "missing.csv: not found"),
        ("uncertainty.alpha=1.5", "alpha"),
        ("uncertainty.statistic=mode", "uncertainty.statistic='mode'; expected one of mean, median, std, quantile"),
        ("dataset.transforms=[cube]", "dataset.transforms[0]='cube'; expected one of level, log_return, diff"),
    ],
)
def test_bad_input_fails_in_one_line(tmp_path, override, message):
    result = invoke("uncertainty", override, "revenue.output=1.0", "uncertainty.n_resamples=100", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_empty_series_fails_clearly(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("value\n\n")
    result = invoke("uncertainty", f"dataset.path={path}", "dataset.column=value", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 2
    assert str(path) in result.output
