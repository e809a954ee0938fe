"""The loop's ventilation (heat) constraint: the true rock temperature's gradient, the cooling
resource instance_of adds, a heat-constrained run's figures against its tables, figures unchanged
with it off, and refused settings."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from minectl.results import compare_metrics
from minectl.schedule.blockmodel import Heat, generate, instance_of
from minectl.schedule.minelib import Precedence, Solution
from minectl.schedule.verify import verify
from tests.badinput.harness import assert_refused
from tests.conftest import read_metrics

QUICK = ("schedule", "debug=quick", "schedule.problems=[]")  # the loop alone, on the 10 x 10 x 5 model


def test_rock_temperature_follows_the_geothermal_gradient():
    flat = generate(6, 5, 4, seed=2, heat=Heat(anomaly_c=0.0))
    levels = {z: flat.temperature[flat.xyz[:, 2] == z] for z in range(4)}
    # the top level (z = 3) lies 1,000 m down: 20 + 0.025 x 1000; each level 30 m deeper adds 0.75 C
    assert levels[3] == pytest.approx(np.full(30, 45.0)) and levels[0] == pytest.approx(np.full(30, 47.25))
    assert levels[0][0] - levels[3][0] == pytest.approx(0.025 * 90)
    model = generate(6, 5, 4, seed=2)
    anomaly = model.temperature - flat.temperature
    assert anomaly.mean() == pytest.approx(0.0, abs=1e-12) and anomaly.std() == pytest.approx(1.5)  # the normalised field x 1.5 C
    assert model.temperature.mean() == pytest.approx(20 + 0.025 * (1000 + 30 * 1.5))  # levels 0-3 below the top: mean 1.5
    # drawn after the other fields: they are the model's without the anomaly too
    assert np.array_equal(model.grade, flat.grade) and np.array_equal(model.dilution, flat.dilution)
    # cooling: 2,750 t x (2 kWh/t + 1 kWh/t per C above 40 C) / 1000
    assert Heat().cooling_mwh(np.array([2750.0, 2750.0]), np.array([46.0, 39.0])).tolist() == pytest.approx([22.0, 5.5])


@pytest.mark.parametrize("kind", ["CPIT", "PCPSP"])
def test_instance_of_adds_the_cooling_resource(kind):
    values = np.array([[-1.0, 5.0], [-2.0, -3.0], [-1.0, 0.5]])  # blocks 0 and 2 processed, block 1 waste
    moved, demand = np.array([10.0, 20.0, 30.0]), np.array([1.5, 2.5, 3.5])
    plain = instance_of("h", values, moved, 2, 100.0, 50.0, 0.1, kind)
    cooled = instance_of("h", values, moved, 2, 100.0, 50.0, 0.1, kind, cooling=(demand, 4.0))
    assert plain.n_resources == 2 and cooled.n_resources == 3
    assert np.array_equal(cooled.coef[:2], plain.coef) and np.array_equal(cooled.upper[:2], plain.upper)
    if kind == "CPIT":
        assert cooled.coef[:, :, 0].tolist() == [[10, 20, 30], [10, 0, 30], [1.5, 2.5, 3.5]]
    else:  # a block's demand whatever its destination
        assert cooled.coef[2].tolist() == [[1.5, 1.5], [2.5, 2.5], [3.5, 3.5]]
        assert plain.coef.tolist() == [[[10, 10], [20, 20], [30, 30]], [[0, 10], [0, 20], [0, 30]]]
    assert cooled.upper.tolist() == [[100, 100], [50, 50], [4, 4]] and np.all(cooled.lower == -np.inf)
    # blocks 0 and 1 in one period need 4.0 MWh (fits), blocks 1 and 2 need 6.0 (does not)
    no_arcs = Precedence(np.zeros(4, np.int64), np.zeros(0, np.int64))
    destinations = cooled.n_destinations  # PCPSP: each block to waste, which needs the same cooling
    assert verify(cooled, no_arcs, Solution.from_periods(np.array([0, 0, 1]), destinations)).feasible
    over = Solution.from_periods(np.array([0, 1, 1]), destinations)
    verdict = verify(cooled, no_arcs, over)
    assert not verdict.feasible and verdict.problems == ["resource 2 period 1: use 6 outside [-inf, 4]"]
    assert verify(plain, no_arcs, over).feasible


@pytest.fixture(scope="module")
def heat_run(tmp_path_factory):
    from typer.testing import CliRunner

    from minectl.cli import app

    runs = [tmp_path_factory.mktemp("heat"), tmp_path_factory.mktemp("heat_again")]
    for run in runs:
        result = CliRunner().invoke(app, [*QUICK, f"hydra.run.dir={run}"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return runs


def test_a_heat_constrained_run_reports_true_demand_against_capacity(heat_run):
    run, again = heat_run
    m = read_metrics(run)
    assert compare_metrics(m, read_metrics(again)) == []  # same seed, same figures
    over = {plan: m[f"schedule.loop.ventilation.over_capacity_periods.{plan}"] for plan in ("static", "ml", "oracle")}
    assert over["oracle"] == 0 and m["schedule.loop.ventilation.excess_mwh.oracle"] == 0  # it plans on the true demand
    assert over == {"static": 4, "ml": 1, "oracle": 0}  # measured: the mean reading misses the hot blocks
    assert m["schedule.loop.heat_mae.ml"] < m["schedule.loop.heat_mae.static"]
    # the figures again from the blocks' table: true demand per period by hand, the capacity from the truth
    blocks = pl.read_parquet(run / "tables/loop_blocks.parquet")
    by_hand = 2750 * (2 + np.maximum(0, blocks["temperature_true"].to_numpy() - 40)) / 1000
    assert blocks["cooling_true_mwh"].to_numpy() == pytest.approx(by_hand)
    capacity = 0.9 * 0.5 * 0.06 * by_hand.sum()  # share x processing share x mining share x demand per tonne x tonnes
    assert m["schedule.loop.ventilation.capacity_mwh"] == pytest.approx(capacity)
    periods = pl.read_parquet(run / "tables/loop_periods.parquet")
    for plan in ("static", "ml", "oracle"):
        demand = [by_hand[blocks[f"period_{plan}"].to_numpy() == t].sum() for t in range(4)]
        mine = periods.filter(pl.col("plan") == plan)
        assert mine["cooling_true_mwh"].to_list() == pytest.approx(demand)
        assert sum(d > capacity * (1 + 1e-6) for d in demand) == over[plan]
        assert m[f"schedule.loop.ventilation.excess_mwh.{plan}"] == pytest.approx(sum(max(0, d - capacity) for d in demand))
        assert (mine["cooling_planned_mwh"] <= capacity * (1 + 1e-6)).all()  # each plan keeps to it on its own estimates


def test_off_the_loop_is_what_it_was_before_ventilation(cli, tmp_path):
    result = cli(*QUICK, "loop.ventilation=false", f"hydra.run.dir={tmp_path / 'off'}")
    assert result.exit_code == 0, result.output
    m = read_metrics(tmp_path / "off")
    # the quick loop's figures measured before ventilation existed (commit ab475d8): bit for bit
    assert [m[f"schedule.loop.npv_true.{plan}"] for plan in ("static", "ml", "oracle")] == [
        24242343.740040645, 24436477.96559061, 24433084.677016713]
    assert m["schedule.loop.npv_planned.static"] == 17995062.940361734 and m["schedule.loop.changed_period"] == 24
    assert not [key for key in m if "ventilation" in key or "heat" in key]
    assert sorted(p.name for p in (tmp_path / "off/models").iterdir()) == ["burst", "dilution", "grade"]
    # its surrogates cannot feed a heat-constrained run: no heat model among them
    assert_refused([*QUICK, f"loop.surrogates_from={tmp_path / 'off'}", f"hydra.run.dir={tmp_path / 'r0'}"],
                   "models/heat: missing; expected the heat surrogate a `minectl schedule` run saves in models/heat/ (with loop.ventilation=true)",
                   inputs=[tmp_path / "off/models"], run_dir=tmp_path / "r0")


@pytest.mark.parametrize("setting, expect", [("loop.ventilation_capacity=0", "loop.ventilation_capacity"),
                                             ("loop.ventilation_capacity=2.5", "loop.ventilation_capacity"),
                                             ("loop.ventilation=perhaps", "loop.ventilation"),
                                             ("loop.heat_model._target_=sklearn.linear_model.LogisticRegression", "loop.heat_model")])
def test_bad_ventilation_settings_are_refused(setting, expect, tmp_path):
    assert_refused(["schedule", setting, f"hydra.run.dir={tmp_path}"], expect, run_dir=tmp_path)
