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


def test_seed003_case(tmp_path):
    run_dir = tmp_path / "run"
    result = invoke("capacity", "+experiment=seed003_case", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    m = metrics(run_dir)
    assert round(m["capacity.limit.reserves_mt_a"], 1) == 44.8
    assert round(m["capacity.limit.links_mt_a"], 2) == 22.26
    assert m["capacity.limit.intensity_mt_a"] == pytest.approx(1700 * 400 * 32 * 1.4 / 1e6)
    assert m["capacity.limit.min_profitable_t_a"] == pytest.approx(0.9 * 1e9 / (300 - 0.95 * 150))
    # the unconstrained optimum (~41 Mt/a) lies above the weakest link: the link limit binds
    assert m["capacity.optimal_mt_a"] == pytest.approx(m["capacity.limit.links_mt_a"])
    e_p, e_z = m["capacity.e_price"], m["capacity.e_cost"]
    q_free = (300 * (1 + e_p) / (1 + e_z) + 2428) / 7.838  # MR = 0, Q in 10^4 t/month
    assert m["capacity.unconstrained_mt_a"] == pytest.approx(q_free * 12 / 100, rel=1e-6)
    rolling = pl.read_parquet(run_dir / "tables" / "rolling.parquet")
    assert rolling.height == 11 and rolling["alpha_price"].is_between(-1, 1).all()


def test_cost_curve_pca_and_cobweb_from_tables(tmp_path):
    rng = np.random.default_rng(3)
    q = np.linspace(100, 400, 24)
    items = rng.normal(size=(24, 4))
    pl.DataFrame(
        {"output": q, "total_cost": 3.919 * q**2 - 2428 * q + 386300 + rng.normal(0, 50, q.size),
         **{f"item{j}": items[:, j] for j in range(4)}}
    ).write_csv(tmp_path / "costs.csv")
    prices = [300.0]
    outputs = [200.0]
    for _ in range(30):
        outputs.append(50 + 0.5 * prices[-1] + rng.normal(0, 1))
        prices.append(500 - 1.0 * outputs[-1] + rng.normal(0, 1))
    pl.DataFrame({"output": outputs, "price": prices}).write_csv(tmp_path / "market.csv")
    run_dir = tmp_path / "run"
    result = invoke(
        "capacity", f"cost_data.path={tmp_path / 'costs.csv'}", "cost_data.item_columns=[item0,item1,item2,item3]",
        f"cobweb.path={tmp_path / 'market.csv'}", f"hydra.run.dir={run_dir}",
    )
    assert result.exit_code == 0, result.output
    m = metrics(run_dir)
    curves = pl.read_parquet(run_dir / "tables" / "cost_curves.parquet")
    assert curves["form"][0] in ("quadratic", "cubic") and m["capacity.cost_curve.r2"] > 0.99
    assert m["capacity.cobweb.b1"] == pytest.approx(0.5, abs=0.1)
    assert m["capacity.cobweb.b2"] == pytest.approx(-1.0, abs=0.1)
    weights = pl.read_parquet(run_dir / "tables" / "pca_weights.parquet")["weight"]
    assert weights.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "override, message",
    [
        ("limits.link_capacities_m3_a=[110e6,-91.5e6]", "limits.link_capacities_m3_a[1]=-91500000.0 is out of range; expected a finite number > 0"),
        ("revenue.alpha_price=1.5", "alpha"),
        ("limits.reserves_t=-1", "limits.reserves_t"),
        ("limits.price=100", "limits.price: 100.0 does not exceed K2 x variable unit cost"),
        ("revenue.price_range=[0.1]", "revenue.price_range"),
        ("revenue.cost_range=[0.1,0.2]", "revenue.cost_range: expected -1 < lower < 0 < upper (fractions), got [0.1, 0.2]"),
        ("cost_data.path=nowhere.csv", "nowhere.csv: not found"),
        ("revenue.price_coefs=[]", "revenue.price_coefs: empty; expected polynomial coefficients"),
        ("revenue.cost_coefs=[]", "revenue.cost_coefs: empty; expected polynomial coefficients"),
    ],
)
def test_bad_input_fails_in_one_line(tmp_path, override, message):
    result = invoke("capacity", override, f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
