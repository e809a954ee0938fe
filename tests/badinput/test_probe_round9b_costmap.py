"""Bad-input corpus, round 9b (costmap): a cost engineer's own mapping for `minectl cost`, on the tiny
mine (35 h of hauling labour over 5 days at 85 CNY/h: 2,975 CNY; ore 100, 110, 0, 120, 130 t).

Each was costed before to a wrong figure without a word: two `costs.prices` points of one resource
on the same valid_from (a price list edited twice, a correction appended) costed the whole period at
whichever was listed last (2,800 or 3,150 CNY for the same list in another order), where the data's
prices table refuses such rows; an intensity named as a column the daily table has already (`cost`,
`unit_cost`, `ore_t`, a change rate's `cost_chg`) replaced that column, so an intensity
`cost: [cost, ore_t]` made cost.total the sum of the daily unit costs (20.44 for 2,975 CNY).

Refused though valid: a `costs.prices` valid_from written as a time at midnight (`2024-01-02T00:00:00`,
as exports write days and the data's prices table takes them); the line named no value, and a price
from noon now says why a time within a day is no first day."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from conftest import write_tiny_mine
from csv_series import metrics
from harness import assert_refused

HOURS = [5.0, 6.0, 7.0, 8.0, 9.0]  # the tiny mine's hauling labour per day
ORE_T = [100.0, 110.0, 0.0, 120.0, 130.0]


def _cost(folder: Path, *overrides: str) -> list[str]:
    return ["cost", "data=parquet_dir", f"data.dir={folder}", *overrides]


def _labour_prices(*points: tuple[str, float]) -> str:
    """An override giving labour the dated ``points`` (valid_from, price) in this order."""
    listed = ",".join(f"{{valid_from:'{day}',price:{price}}}" for day, price in points)
    return f"+costs.prices.labour=[{listed}]"


@pytest.mark.parametrize("points", [(("2024-01-01", 80), ("2024-01-01", 90)), (("2024-01-01", 90), ("2024-01-01", 80)),
                                    (("2024-01-03", 100), ("2024-01-01", 80), ("2024-01-03", 100))])
def test_two_prices_of_a_resource_from_one_day_are_refused(tmp_path, points):
    """Costed 35 h x 90 = 3,150 or 35 h x 80 = 2,800 CNY by the order of the list; the data's prices
    table refuses the same rows ('duplicate rows for key resource=labour, valid_from=2024-01-01')."""
    folder, run = write_tiny_mine(tmp_path / "mine"), tmp_path / "run"
    first, later = (0, 1) if points[0][0] == points[1][0] else (0, 2)
    assert_refused([*_cost(folder, _labour_prices(*points)), f"hydra.run.dir={run}"],
                   f"error: costs.prices.labour[{later}].valid_from: {points[first][0]} is the valid_from of "
                   f"costs.prices.labour[{first}] too; expected one price per day a price starts", inputs=[folder], run_dir=run)


def test_dated_prices_in_any_order_cost_by_their_dates(tmp_path):
    """80 CNY/h from 2024-01-01 and 100 from 2024-01-03, listed latest first: (5 + 6) x 80 + (7 + 8 + 9) x 100."""
    folder = write_tiny_mine(tmp_path / "mine")
    found = metrics(_cost(folder, _labour_prices(("2024-01-03", 100), ("2024-01-01", 80))), tmp_path / "run")
    assert found["cost.total"] == pytest.approx(11 * 80 + 24 * 100, rel=1e-12)


@pytest.mark.parametrize("name, pair, column", [
    ("cost", "[cost,ore_t]", "cost"),                   # cost.total became the sum of C_t / Q_t: 20.44 for 2,975 CNY
    ("unit_cost", "[cost,drilled_m]", "unit_cost"),     # cost.unit_mean 59.5 CNY/t (per metre) for 5.11 CNY/t
    ("ore_t", "[cost,drilled_m]", "ore_t"),             # the production column in the daily table
    ("cost_chg", "[cost,ore_t]", "cost_chg"),           # replaced in turn by the change rate of cost.change_rate
])
def test_an_intensity_named_as_a_daily_column_is_refused(tmp_path, name, pair, column):
    folder, run = write_tiny_mine(tmp_path / "mine"), tmp_path / "run"
    change = ["cost.change_rate=[cost]"] if name.endswith("_chg") else []
    assert_refused([*_cost(folder, f"+costs.intensities.{name}={pair}", *change), f"hydra.run.dir={run}"],
                   f"error: costs.intensities.{name}: the daily table has a column {column!r} already, which the intensity "
                   f"would replace; expected a name of its own, e.g. {name}_per_", inputs=[folder], run_dir=run)


def test_an_intensity_over_a_day_without_output_is_null_and_the_ledger_is_hand_computed(tmp_path):
    """Hours per tonne: 5/100, 6/110, none on the day without ore (not inf), 8/120, 9/130; the ledger is
    q x 85 CNY/h per day, 2,975 CNY in all, and that day's unit cost is null (no_output)."""
    folder, run = write_tiny_mine(tmp_path / "mine"), tmp_path / "run"
    found = metrics(_cost(folder, "+costs.intensities.h_per_t=[qty_labour,ore_t]"), run)
    daily = pl.read_parquet(run / "tables" / "daily.parquet").sort("date")
    assert daily["h_per_t"].to_list() == pytest.approx([h / t if t else None for h, t in zip(HOURS, ORE_T, strict=True)])
    assert daily["unit_cost"].to_list() == pytest.approx([85 * h / t if t else None for h, t in zip(HOURS, ORE_T, strict=True)])
    assert daily["no_output"].to_list() == [t == 0 for t in ORE_T]
    ledger = pl.read_parquet(run / "tables" / "ledger.parquet").sort("date")
    assert ledger["cost"].to_list() == pytest.approx([85 * h for h in HOURS], rel=1e-12)
    assert found["cost.total"] == pytest.approx(2975.0, rel=1e-12)
    assert found["cost.no_output_days"] == 1


@pytest.mark.parametrize("day", ["2024-01-02T00:00:00", "2024-01-02 00:00:00", "2024-01-02"])
def test_a_price_from_a_midnight_time_costs_from_that_day(tmp_path, day):
    """As exports write days (the prices table takes them too): refused before ('expected an ISO date').
    85 CNY/h on the first day, 90 from the second: 5 x 85 + 30 x 90."""
    folder = write_tiny_mine(tmp_path / "mine")
    found = metrics(_cost(folder, _labour_prices((day, 90))), tmp_path / "run")
    assert found["cost.total"] == pytest.approx(5 * 85 + 30 * 90, rel=1e-12)


@pytest.mark.parametrize("day, expect", [
    ("2024-01-02T12:00:00", "'2024-01-02T12:00:00' starts within a day; expected the first day the price applies "
                            "(the ledger has one price per day), e.g. 2024-01-02 or 2024-01-03"),
    ("2024-1-2", "'2024-1-2' is not a date; expected an ISO date like 2024-01-01"),
])
def test_a_price_start_that_is_no_day_is_named(tmp_path, day, expect):
    """The line named neither the value nor, for a price change at noon, why a time is no first day."""
    folder, run = write_tiny_mine(tmp_path / "mine"), tmp_path / "run"
    assert_refused([*_cost(folder, _labour_prices((day, 90))), f"hydra.run.dir={run}"],
                   f"error: costs.prices.labour[0].valid_from: {expect}", inputs=[folder], run_dir=run)
