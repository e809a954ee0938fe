"""Round-22 probe of chains: one command's outputs read as another's inputs.

- `minectl cost` on two mines, then `minectl uncertainty dataset=cost_daily dataset.group_by=mine_id
  dataset.cost_items=[...]`: one interval per mine for the column, but the cost items' propagation pooled the
  rows of both mines: one range of "a day's total", the mix of two mines (item means the average of the
  mines'), no mine column, exit 0. The items are propagated per group now, as the series are.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import QUICK_RISK, assert_refused, invoke, quick_uncertainty, run_metrics

ITEMS = ["cost_energy", "cost_labour"]


def _two_mines_daily(tmp_path: Path, mines: dict[str, float]) -> Path:
    """A cost run's daily table in miniature: 40 days per mine, each mine's items about its own scale."""
    rng = np.random.default_rng(3)
    frames = []
    for mine, scale in mines.items():
        energy, labour = scale * rng.lognormal(0, 0.1, 40), 2 * scale * rng.lognormal(0, 0.05, 40)
        frames.append(pl.DataFrame({"date": pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 2, 9), eager=True),
                                    "mine_id": [mine] * 40, "cost_energy": energy, "cost_labour": labour,
                                    "cost": energy + labour}))
    path = tmp_path / "daily.parquet"
    pl.concat(frames).sort("date", "mine_id", maintain_order=True).write_parquet(path)
    return path


def _propagation_args(path: Path, run: Path, group_by: str) -> list[str]:
    args = quick_uncertainty(path, run, f"dataset.group_by={group_by}", "dataset.transforms=[level]",
                             f"dataset.cost_items=[{','.join(ITEMS)}]", "uncertainty.mc_samples=2000", column="cost")
    return [arg for arg in args if arg != "dataset.group_by=null"]


def test_cost_items_of_two_mines_are_propagated_per_mine(tmp_path):
    path = _two_mines_daily(tmp_path, {"M01": 100.0, "M02": 10_000.0})
    metrics = run_metrics(_propagation_args(path, tmp_path / "run", "mine_id"), tmp_path / "run")
    table = pl.read_parquet(tmp_path / "run" / "tables" / "propagation.parquet")
    assert table.columns[0] == "mine_id" and table["mine_id"].unique(maintain_order=True).to_list() == ["M01", "M02"]
    for mine, scale in (("M01", 100.0), ("M02", 10_000.0)):  # pooled, both were about 5,050 and 10,100
        energy = table.filter((pl.col("mine_id") == mine) & (pl.col("item") == "cost_energy"))["mean"].item()
        assert energy == pytest.approx(scale, rel=0.1)
        assert metrics[f"uncertainty.propagation.{mine}.monte_carlo.mean"] == pytest.approx(3 * scale, rel=0.1)


def test_one_mine_grouped_gives_the_ungrouped_figures(tmp_path):
    """Near miss, valid: a file of one mine propagates the same with or without dataset.group_by."""
    path = _two_mines_daily(tmp_path, {"M01": 100.0})
    grouped = run_metrics(_propagation_args(path, tmp_path / "grouped", "mine_id"), tmp_path / "grouped")
    plain = run_metrics(_propagation_args(path, tmp_path / "plain", "null"), tmp_path / "plain")
    plain_propagation = {key: value for key, value in plain.items() if key.startswith("uncertainty.propagation.")}
    assert plain_propagation and plain_propagation == {
        key.replace(".propagation.M01.", ".propagation."): value
        for key, value in grouped.items() if key.startswith("uncertainty.propagation.")}


def test_two_mines_of_a_found_date_column_are_refused_as_one_series(tmp_path):
    path = _two_mines_daily(tmp_path, {"M01": 100.0, "M02": 10_000.0})
    run = tmp_path / "run"
    args = [*quick_uncertainty(path, run, column="cost"), "dataset.date_column=month", "dataset.transforms=[level]"]
    assert_refused(args, ["column 'date' repeats 2024-01-01", "'mine_id' tells apart", "dataset.group_by=mine_id"],
                   inputs=[path], run_dir=run)
    # near misses, valid: one series per mine; events sharing a date told apart by a record number only
    grouped = run_metrics([*args, "dataset.group_by=mine_id"], run)
    assert grouped["uncertainty.M01.level.estimate"] == pytest.approx(300, rel=0.1)
    events = tmp_path / "failures.csv"
    pl.DataFrame({"date": ["2024-01-02", "2024-01-02", "2024-01-05", "2024-01-09", "2024-01-09", "2024-01-12"] * 3,
                  "record": list(range(18)), "tbf": [5.0, 7.0, 11.0, 3.0, 9.0, 4.0] * 3}).with_columns(
        pl.col("date").str.to_date()).sort("date", maintain_order=True).write_csv(events)
    assert "uncertainty.level.estimate" in run_metrics(
        [*quick_uncertainty(events, tmp_path / "events", column="tbf"), "dataset.date_column=month", "dataset.transforms=[level]"],
        tmp_path / "events")


@pytest.fixture(scope="module")
def risk_run(tmp_path_factory) -> Path:
    """A quick risk run on the embedded synthetic mine (seed 0)."""
    run = tmp_path_factory.mktemp("chains") / "risk"
    trained = invoke("risk", *QUICK_RISK, "seed=0", "report=false", f"hydra.run.dir={run}")
    assert trained.exit_code == 0, trained.output
    return run


def test_risk_predict_of_the_runs_own_data_says_it_is_in_sample(tmp_path, risk_run):
    own = invoke("risk", "predict", risk_run, f"out={tmp_path / 'own.parquet'}")
    assert own.exit_code == 0, own.output
    assert "in-sample:" in own.output and "trained and tuned on" in " ".join(own.output.split())
    again = invoke("risk", "predict", risk_run, "data.synthetic.seed=0", f"out={tmp_path / 'again.parquet'}")  # the same data, named
    assert again.exit_code == 0, again.output
    assert "in-sample:" in again.output
    assert pl.read_parquet(tmp_path / "own.parquet").equals(pl.read_parquet(tmp_path / "again.parquet"))
    # near miss: other data (another seed's mine) is no in-sample scoring: no line
    other = invoke("risk", "predict", risk_run, "data.synthetic.seed=5", f"out={tmp_path / 'other.parquet'}")
    assert other.exit_code == 0, other.output
    assert "in-sample:" not in other.output


def test_risk_predict_of_a_synthetic_run_on_a_folder_says_what_predict_takes(tmp_path, risk_run):
    """The loader's line advised data=parquet_dir, an override risk predict refuses."""
    mine = tmp_path / "mine"
    assert invoke("data", "synth", "--out", mine, "--years", "0.3", "--seed", "4").exit_code == 0
    out = tmp_path / "scores.parquet"
    line = assert_refused(["risk", "predict", risk_run, f"data.dir={mine}", f"out={out}"],
                          ["risk predict: data.dir", "synthetic mine", "data.synthetic=null"], inputs=[mine, risk_run])
    assert "data=parquet_dir" not in line
    assert not out.exists()
    scored = invoke("risk", "predict", risk_run, "data.synthetic=null", f"data.dir={mine}", f"out={out}")  # near miss: valid
    assert scored.exit_code == 0, scored.output
    assert pl.read_parquet(out).height > 0
